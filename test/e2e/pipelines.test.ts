import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { type GroundTruthEntry, parseGroundTruth } from '../../sandbox/ground-truth.ts';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { motoClients } from '../support/aws.ts';
import { crosswind, REPO } from '../support/cli.ts';

const BIN = join(REPO, 'cli', 'bin.mjs');

/** The run folders of a mode under `dir`, oldest first. */
function runs(dir: string, mode: string): string[] {
  const root = join(dir, '.crosswind', 'runs');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => n.includes(`-${mode}`))
    .sort()
    .map((n) => join(root, n));
}

function jsonLines<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

async function version(endpoint: string): Promise<string> {
  const res = await fetch(new URL('/version', endpoint));
  return ((await res.json()) as { version: string }).version;
}

describe('pipelines end to end: the CLI against the sandbox', function () {
  this.timeout(240_000);
  let sandbox: SandboxHandle;
  let dir: string;
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-pipelines-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0' });
    const deploy = `"${process.execPath}" "${BIN}" sandbox deploy --state "${state}" --region "$REGION"`;
    await writeFile(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        sandbox: { state },
        aws: { allowedRegions: regions },
        regions: regions.map((name) => ({ name })),
        synthetics: { globalTraffic: { path: '/version' } },
        gameday: {
          targetRegion: 'us-east-1',
          ratePerVantage: 10,
          phases: [
            { kind: 'announce' },
            { kind: 'baseline', seconds: 6 },
            { kind: 'inject' },
            { kind: 'observe', seconds: 10 },
            { kind: 'functional-checks', seconds: 3 },
            { kind: 'restore' },
            { kind: 'verify-rebalance', seconds: 14, tolerance: 0.15 },
          ],
        },
        rollout: {
          hooks: { deploy: `${deploy} --version "$VERSION" \${DEPLOY_FLAGS:-}`, rollback: `${deploy} --version "$PREVIOUS_VERSION"` },
          versionPath: '/version',
          trafficSeconds: 4,
          bakeSeconds: 4,
          bakeIntervalSeconds: 2,
          rate: 20,
          maxLatencyMs: 250,
          minSamples: 40,
          comparison: { maxMedianRatio: 2 },
        },
        probe: {
          cycleSeconds: 3,
          rate: 5,
          windowCycles: 2,
          minSamples: 5,
          cloudwatch: { namespace: 'Crosswind/E2E', dimensions: { Project: 'shop' } },
        },
      }),
    );
  });

  after(async () => {
    await sandbox?.stop();
  });

  it('rollout: a good version is approved in every region, in order', async () => {
    const r = await crosswind(['rollout', '--version', '1.1.0', '--yes'], { cwd: dir, timeoutMs: 180_000 });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const approved = r.stdout.split('\n').filter((l) => / approved 1\.1\.0$/.test(l));
    expect(approved.map((l) => l.split(' ')[2]?.replace(':', ''))).to.deep.equal(regions);
    for (const region of sandbox.state.regions) expect(await version(region.endpoint)).to.equal('1.1.0');
    expect(r.stdout).to.contain('Rollout 1.1.0: APPROVED in us-east-1, us-west-2, eu-west-1');
  });

  it('rollout: a version 300 ms slower is rolled back at wave 1, the later regions untouched, exit 1', async () => {
    const r = await crosswind(['rollout', '--version', '1.2.0', '--yes'], {
      cwd: dir,
      timeoutMs: 120_000,
      env: { DEPLOY_FLAGS: '--added-latency-ms 300' },
    });
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    expect(r.stdout).to.contain('Rollout 1.2.0: ROLLED BACK at wave 1 (us-east-1); untouched: us-west-2, eu-west-1');
    for (const region of sandbox.state.regions) expect(await version(region.endpoint), region.name).to.equal('1.1.0');
    const run = runs(dir, 'rollout').at(-1) as string;
    const verdict = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8'));
    expect(JSON.stringify(verdict)).to.contain('us-east-1');
  });

  it('game day: client-seen failover per vantage within 1 s of the ground truth, everything restored, rebalance verified', async () => {
    const r = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 180_000 });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    const run = runs(dir, 'gameday').at(-1) as string;
    // Everything restored: every fault of the ledger undone, the health check as it was.
    const ledger = jsonLines<{ kind: string; id: string }>(join(run, 'ledger.jsonl'));
    const applied = ledger.filter((e) => e.kind === 'applied').map((e) => e.id);
    expect(applied).to.have.length(1);
    expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.deep.equal(applied);
    const { route53 } = motoClients({ url: sandbox.state.aws.endpoints.route53 });
    const east = sandbox.state.regions.find((x) => x.name === 'us-east-1');
    const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: east?.healthCheckId }));
    expect(hc.HealthCheck?.HealthCheckConfig?.Inverted ?? false).to.equal(false);
    // Client-seen failover per vantage against the edge's ground truth: when each vantage's answer left us-east-1.
    const verdict = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as {
      results: { measure: string; group: Record<string, string>; measured: number | null; status: string; window?: { start: number } }[];
    };
    const failovers = verdict.results.filter((x) => x.measure === 'client-seen failover time');
    expect(failovers.length).to.equal(sandbox.state.vantages.length);
    const truth = parseGroundTruth(readFileSync(sandbox.state.groundTruthLog, 'utf8'));
    let movedVantages = 0;
    for (const f of failovers) {
      const vantage = f.group.vantage as string;
      const tFault = f.window?.start as number;
      const routes = truth.filter((e): e is Extract<GroundTruthEntry, { kind: 'route' }> => e.kind === 'route' && e.vantage === vantage);
      const before = routes.filter((e) => e.time <= tFault).at(-1);
      const away = routes.find((e) => e.time > tFault && e.from === 'us-east-1' && e.to !== 'us-east-1');
      // A vantage served by another region all along saw no failover (0 s); one served by us-east-1 moved when its
      // cached answer expired and the edge answered another region.
      const expected = before?.to === 'us-east-1' ? ((away?.time ?? Number.NaN) - tFault) / 1000 : 0;
      if (before?.to === 'us-east-1') movedVantages++;
      expect(f.measured, `${vantage}: measured ${f.measured} s, ground truth ${expected} s`).to.be.closeTo(expected, 1);
    }
    expect(movedVantages, 'at least one vantage was served by us-east-1 when the fault hit').to.be.greaterThan(0);
    expect(verdict.results.filter((x) => x.measure === 'rebalance time').every((x) => x.status === 'pass')).to.equal(true);
    expect(r.stdout).to.contain('Game day: us-east-1 out: APPROVED');
  });

  it('probe: the metrics it published are read back from CloudWatch with GetMetricData', async () => {
    const since = new Date(Date.now() - 60_000);
    const r = await crosswind(['probe', '--cycles', '2'], { cwd: dir, timeoutMs: 90_000 });
    expect([0, 1, 4], r.stderr + r.stdout).to.include(r.code);
    const { cloudwatch } = motoClients({ url: sandbox.state.moto.url });
    const vantage = sandbox.state.vantages[0];
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: since,
        EndTime: new Date(Date.now() + 60_000),
        MetricDataQueries: [
          {
            Id: 'requests',
            MetricStat: {
              Metric: {
                Namespace: 'Crosswind/E2E',
                MetricName: 'Requests',
                Dimensions: [
                  { Name: 'Project', Value: 'shop' },
                  { Name: 'Vantage', Value: vantage?.name },
                  { Name: 'Region', Value: vantage?.nearestRegion },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const values = out.MetricDataResults?.[0]?.Values ?? [];
    expect(
      values.reduce((a, b) => a + b, 0),
      JSON.stringify(out.MetricDataResults),
    ).to.be.greaterThan(0);
  });

  it('SIGINT during a game day leaves no fault behind', async () => {
    const before = runs(dir, 'gameday').length;
    const child = spawn(process.execPath, [BIN, 'gameday', '--yes', '--no-progress'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait until the fault is applied (the ledger says so), then interrupt.
    const deadline = Date.now() + 60_000;
    let ledgerFile = '';
    for (;;) {
      const run = runs(dir, 'gameday')[before];
      ledgerFile = run ? join(run, 'ledger.jsonl') : '';
      if (ledgerFile && existsSync(ledgerFile) && readFileSync(ledgerFile, 'utf8').includes('"applied"')) break;
      if (Date.now() > deadline) throw new Error(`the fault was never applied:\n${output}`);
      await sleep(200);
    }
    child.kill('SIGINT');
    const code = await exited;
    expect(code, output).to.not.equal(0);
    const ledger = jsonLines<{ kind: string; id: string }>(ledgerFile);
    const applied = ledger.filter((e) => e.kind === 'applied').map((e) => e.id);
    expect(applied.length).to.be.greaterThan(0);
    expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.have.members(applied);
    const { route53 } = motoClients({ url: sandbox.state.aws.endpoints.route53 });
    for (const region of sandbox.state.regions) {
      const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: region.healthCheckId }));
      expect(hc.HealthCheck?.HealthCheckConfig?.Inverted ?? false, region.name).to.equal(false);
    }
  });
});
