import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { expect } from 'chai';
import { parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { until } from '../../support/until.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };
const DEADLINE_MS = 5_000;

describe("the dead man's switch lives where the fault lives (EventBridge Scheduler, fired by the sandbox)", function () {
  this.timeout(120_000);
  let sandbox: SandboxHandle;
  let dir: string;
  let route53: Route53Client;
  let scheduler: SchedulerClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crosswind-switch-'));
    sandbox = await startSandbox({ stateFile: join(dir, '.crosswind', 'sandbox', 'state.json'), timing: TIMING, metricsIntervalMs: 0 });
    const { aws } = sandbox.state;
    route53 = sandboxRoute53(aws);
    scheduler = new SchedulerClient({ region: 'us-east-1', endpoint: aws.endpoints.scheduler, credentials: { ...aws.credentials } });
    writeFileSync(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        sandbox: { state: '.crosswind/sandbox/state.json' },
        chaos: { faultDeadline: `${DEADLINE_MS}ms` },
      }),
    );
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const region = (name: string) => sandbox.state.regions.find((x) => x.name === name) as SandboxHandle['state']['regions'][number];
  const flags = async (name: string) => {
    const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: region(name).healthCheckId }));
    return {
      inverted: hc.HealthCheck?.HealthCheckConfig?.Inverted === true,
      disabled: hc.HealthCheck?.HealthCheckConfig?.Disabled === true,
    };
  };
  const healthy = async (name: string) => {
    const out = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: region(name).healthCheckId }));
    const obs = out.HealthCheckObservations ?? [];
    return obs.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length / Math.max(obs.length, 1) > 0.18;
  };
  const weights = async () => {
    const out = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: sandbox.state.route53.hostedZoneId }));
    return Object.fromEntries(
      (out.ResourceRecordSets ?? [])
        .filter((r) => r.Weight !== undefined && r.Name?.startsWith(sandbox.state.route53.weightedRecordName))
        .map((r) => [r.SetIdentifier, r.Weight]),
    );
  };
  const switches = async () =>
    ((await scheduler.send(new ListSchedulesCommand({ NamePrefix: 'crosswind-' }))).Schedules ?? []).map((s) => s.Name);

  it('kill crosswind, wait past the deadline: the world is restored with nothing run', async () => {
    const before = { flags: await flags('us-east-1'), weights: await weights() };
    expect(await healthy('us-east-1'), 'us-east-1 healthy at first').to.equal(true);
    const child = spawnCli(
      ['chaos', 'run', '--fault', 'invert-health-check:us-east-1', '--fault', 'shift-weight:us-west-2:50', '--hold', '60s', '--yes'],
      { cwd: dir, env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' } },
    );
    await child.waitFor(/^checkpoint \d+ holding$/);
    const killedAt = Date.now();
    child.child.signal('SIGKILL');
    await child.exited;
    expect(await flags('us-east-1'), 'forced unhealthy when crosswind died').to.deep.equal({ inverted: true, disabled: true });
    expect(await weights(), 'shifted when crosswind died').to.not.deep.equal(before.weights);
    expect(await switches(), 'one armed switch a fault').to.have.length(2);
    // The edge's health checkers see the forced status at their next check, not at the instant of the change.
    await until('us-east-1 out at the edge', async () => !(await healthy('us-east-1')), 5_000, 100);

    // Nothing runs from here on: no crosswind, no restore. Only AWS (the sandbox firing the schedules) acts.
    await until('us-east-1 put back by its switch', async () => !(await flags('us-east-1')).inverted, DEADLINE_MS + 15_000, 200);
    const restoredAt = Date.now();
    await until(
      'the weights put back by their switch',
      async () => JSON.stringify(await weights()) === JSON.stringify(before.weights),
      10_000,
      200,
    );
    expect(await flags('us-east-1')).to.deep.equal(before.flags);
    expect(restoredAt - killedAt, 'not before the deadline').to.be.at.least(DEADLINE_MS - 3_000);
    await until('us-east-1 healthy at the edge again', () => healthy('us-east-1'), 15_000, 200);
    expect(await switches(), 'fired switches delete themselves').to.deep.equal([]);
    const fired = parseGroundTruth(readFileSync(sandbox.state.groundTruthLog, 'utf8')).filter((e) => e.kind === 'schedule');
    expect(fired.map((e) => (e.kind === 'schedule' ? `${e.target.split(':').pop()} ${e.result}` : '')).sort()).to.deep.equal([
      'changeResourceRecordSets ok',
      'updateHealthCheck ok',
    ]);

    // A later restore finds both already as before, and closes them in the ledger.
    const r = await crosswind(['restore', '--all'], { cwd: dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/health check \S+ already as before/);
    expect(r.stderr).to.match(/weights of \S+ already as before/);
  });
});
