import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { SANDBOX_ACCOUNT_ID } from '../../../sandbox/state.ts';
import { runSandboxGameday, writeSandboxProject } from '../../support/sandbox-project.ts';

const TIMING = { healthIntervalMs: 500, failureThreshold: 2, healthTimeoutMs: 400, dnsTtlMs: 1000 };

interface GateDoc {
  gate: string;
  kind: string;
  measure: string;
  group: Record<string, string>;
  status: string;
  measured: number | null;
  reason: string;
}

// The dependency-down drill through the CLI on the sandbox: us-east-1's database is cut off by FIS
// aws:ecs:task-network-blackhole-port on its port (5432), which the sandbox executes. Per the drill: the region's deep
// health answered 503 within its bound, Route 53 saw the region unhealthy within the detection bound, the traffic of
// the vantages it served drained to the others; after the restore its deep health served again.
describe('game day: dependency-down drill (FIS blackhole of the database port, real k6, sandbox)', function () {
  this.timeout(240_000);
  let sandbox: SandboxHandle;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-dependency-down-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0', timing: TIMING });
    await writeSandboxProject(
      dir,
      state,
      sandbox.state.regions.map((r) => r.name),
      {
        chaos: {
          poll: { experimentInterval: '200ms' },
          experiments: {
            'database-blackhole': {
              region: 'us-east-1',
              roleArn: `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:role/crosswind-fis`,
              targets: { Tasks: { resourceType: 'aws:ecs:task', resourceTags: { 'crosswind:region': 'us-east-1' } } },
              actions: {
                blackhole: {
                  actionId: 'aws:ecs:task-network-blackhole-port',
                  duration: '2m',
                  parameters: { port: '5432', protocol: 'tcp', trafficType: 'egress' },
                  targets: { Tasks: 'Tasks' },
                },
              },
            },
          },
        },
        gameday: {
          targetRegion: 'us-east-1',
          ratePerVantage: 20,
          phases: [
            { kind: 'baseline', duration: '6s' },
            { kind: 'inject', faults: [{ kind: 'dependency-down', dependency: 'database', template: 'database-blackhole' }] },
            { kind: 'observe', duration: '10s' },
            { kind: 'restore' },
            { kind: 'verify-rebalance', duration: '8s' },
          ],
          targets: { cleanWindowSeconds: 1, detectionSeconds: 5, failoverSeconds: 8, deepHealthSeconds: 2, recoverySeconds: 3 },
        },
      },
    );
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('deep health 503 within its bound, Route 53 unhealthy within detection, traffic drained, deep health back after the restore', async () => {
    // Any verdict will do: evidence-sized bounds elsewhere (transition errors, capacity) are not the point here.
    const { run } = await runSandboxGameday(dir);
    const gates = (JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as { gates: GateDoc[] }).gates;
    const show = gates.map((g) => `${g.status} ${g.reason}`).join('\n');
    const one = (measure: string) => {
      const found = gates.filter((g) => g.measure === measure);
      expect(found, `one "${measure}" result in:\n${show}`).to.have.length(1);
      return found[0] as GateDoc;
    };

    const down = one('deep health down time (database)');
    expect(down, show).to.include({ status: 'pass' });
    expect(down.measured, 'after the fault, within 2 s').to.be.within(0, 2);
    expect(down.group).to.include({ region: 'us-east-1', dependency: 'database' });
    expect(one('deep health recovery time (database)'), show).to.include({ status: 'pass' });
    expect(one('detection time'), 'Route 53 saw us-east-1 unhealthy within 5 s').to.include({ status: 'pass' });
    const drained = gates.filter((g) => g.measure === 'client-seen failover time' && g.status === 'pass');
    expect(drained.length, `an affected vantage's traffic drained from us-east-1 within 8 s:\n${show}`).to.be.greaterThan(0);
    expect(
      gates.filter((g) => g.kind === 'deep-health' && g.group.target_region === 'us-east-1').map((g) => g.status),
      'its health endpoint reports its dependencies',
    ).to.deep.equal(['pass']);
    const truth = readFileSync(sandbox.state.groundTruthLog, 'utf8');
    expect(truth, 'the sandbox executed the blackhole').to.include('aws:ecs:task-network-blackhole-port');
  });
});
