import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetHealthCheckCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { type GroundTruthEntry, parseGroundTruth } from '../../sandbox/ground-truth.ts';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import type { GateResult } from '../../validations/gates/gate-result.ts';
import { readRunGates } from '../../validations/run-gates.ts';
import { motoClients } from '../support/aws.ts';
import { BIN, crosswind, userEnv } from '../support/cli.ts';
import { expectedDrillVerdict } from '../support/gameday-verdict.ts';
import { writeSandboxProject } from '../support/sandbox-project.ts';
import { until } from '../support/until.ts';

/** The run folders of a mode under `dir`, oldest first. */
function runs(dir: string, mode: string): string[] {
  const root = join(dir, '.crosswind', 'runs');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => n.includes(`-${mode}`))
    .sort()
    .map((n) => join(root, n));
}

/** Whether a game day's run folder has a fault applied yet (its ledger says so). */
function faultApplied(run: string | undefined): boolean {
  const ledger = run ? join(run, 'ledger.jsonl') : '';
  return ledger !== '' && existsSync(ledger) && readFileSync(ledger, 'utf8').includes('"applied"');
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

interface VerdictDoc {
  gates: (Pick<GateResult, 'measure' | 'status' | 'groupLabel' | 'measured' | 'reason'> & { informational?: true })[];
  failover: { fault: { appliedAt: string; region: string }; vantages: { vantage: string; failoverSeconds: number | null }[] }[];
}

/**
 * Checks each vantage's client-seen failover time in a verdict document against the sandbox edge's ground truth:
 * a vantage served by `target` when the fault hit moved when the edge first answered it another region; any other
 * vantage saw no failover (0 s). Within 1 s. Returns how many vantages had to move.
 */
function failoverAgainstGroundTruth(doc: VerdictDoc, target: string, groundTruthLog: string, vantages: string[]): number {
  expect(doc.failover).to.have.length(1);
  const timeline = doc.failover[0] as VerdictDoc['failover'][number];
  const tFault = Date.parse(timeline.fault.appliedAt);
  expect(timeline.vantages.map((v) => v.vantage).sort()).to.deep.equal([...vantages].sort());
  const truth = parseGroundTruth(readFileSync(groundTruthLog, 'utf8'));
  let moved = 0;
  for (const v of timeline.vantages) {
    const routes = truth.filter((e): e is Extract<GroundTruthEntry, { kind: 'route' }> => e.kind === 'route' && e.vantage === v.vantage);
    const before = routes.filter((e) => e.time <= tFault).at(-1);
    const away = routes.find((e) => e.time > tFault && e.from === target && e.to !== target);
    const expected = before?.to === target ? ((away?.time ?? Number.NaN) - tFault) / 1000 : 0;
    if (before?.to === target) moved++;
    expect(v.failoverSeconds, `${v.vantage}: measured ${v.failoverSeconds} s, ground truth ${expected} s`).to.be.closeTo(expected, 1);
  }
  return moved;
}

describe('pipelines end to end: the CLI against the sandbox', function () {
  this.timeout(240_000);
  let sandbox: SandboxHandle;
  let dir: string;
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-pipelines-'));
    const state = join(dir, 'state.json');
    // DNS answers kept 10 s: a game day's transition then holds enough requests to judge its error rate.
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0', timing: { dnsTtlMs: 10_000 } });
    const deploy = `"${BIN}" sandbox deploy --state "${state}" --region "$REGION"`;
    await writeSandboxProject(dir, state, regions, {
      chaos: { stopConditions: { pollInterval: 1000, maxErrorRate: 0.05 } },
      gameday: {
        targetRegion: 'us-east-1',
        ratePerVantage: 20,
        phases: [
          { kind: 'announce' },
          { kind: 'baseline', duration: '6s' },
          { kind: 'inject' },
          { kind: 'observe', duration: '14s' },
          { kind: 'functional-checks', duration: '4s' },
          { kind: 'restore' },
          { kind: 'verify-rebalance', duration: '20s', tolerance: 0.15 },
        ],
        // Sized to the evidence a short drill gathers: 11 clean transition requests show < 25 %, 59 show < 5 %,
        // and p(95) needs 59 requests per survivor.
        // The survivors are healthy here: their p(95) is 15-40 ms alone, but the suite runs this file beside others on
        // two cores, and there it reached 1.07 s (over the 1 s default, so the drill failed). The bound is what a busy
        // machine shows, as the rollout's below; a slow survivor failing the drill is the unit tests' case.
        targets: { transitionErrorRate: 0.25, functionalErrorRate: 0.05, survivorPercentile: 95, survivorLatencyMs: 3000 },
      },
      rollout: {
        hooks: { deploy: `${deploy} --version "$VERSION" \${DEPLOY_FLAGS:-}`, rollback: `${deploy} --version "$PREVIOUS_VERSION"` },
        versionPath: '/version',
        trafficDuration: '4s',
        bakeDuration: '4s',
        bakeInterval: '2s',
        // 160 requests a phase: enough to show errors < 5 % (59) and p(95) (59).
        rate: 40,
        // Users reach a canary through the vantage proxies of a busy machine (hundreds of ms); a slower version is caught
        // by its comparison with the region's own baseline.
        maxLatencyMs: 1000,
        latencyPercentile: 95,
        maxErrorRate: 0.05,
        minSamples: 40,
        // Compared with its own pre-deploy traffic: shifts under 20 ms and spreads up to 3x are the machine's jitter.
        comparison: { maxMedianRatio: 2, minShiftMs: 20, maxSpreadRatio: 3 },
      },
      probe: {
        cycleDuration: '3s',
        rate: 5,
        windowCycles: 2,
        minSamples: 5,
        cloudwatch: { namespace: 'Crosswind/E2E', dimensions: { Project: 'shop' } },
      },
    });
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
    const before = await Promise.all(sandbox.state.regions.map((x) => version(x.endpoint)));
    const r = await crosswind(['rollout', '--version', '1.2.0', '--yes'], {
      cwd: dir,
      timeoutMs: 120_000,
      env: { DEPLOY_FLAGS: '--added-latency-ms 300' },
    });
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    expect(r.stdout).to.contain('Rollout 1.2.0: ROLLED BACK at wave 1 (us-east-1); untouched: us-west-2, eu-west-1');
    // us-east-1 is back on its old version (read from /version), the later regions never left theirs.
    expect(await Promise.all(sandbox.state.regions.map((x) => version(x.endpoint)))).to.deep.equal(before);
    expect(before).not.to.include('1.2.0');
    const run = runs(dir, 'rollout').at(-1) as string;
    const verdict = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as {
      verdict: string;
      exitCode: number;
      gates: { status: string; groupLabel: string }[];
    };
    expect(verdict).to.include({ verdict: 'rollback', exitCode: 1 });
    expect(verdict.gates.filter((g) => g.status === 'fail').map((g) => g.groupLabel)).to.include('target_region=us-east-1');
  });

  it('rollout: DNS weight steps through the ledger, restored on approval; --from-wave resumes at the last region', async () => {
    const { route53 } = motoClients({ url: sandbox.state.aws.endpoints.route53 });
    const weights = async () => {
      const out = await route53.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: sandbox.state.route53.hostedZoneId,
          StartRecordName: sandbox.state.route53.weightedRecordName,
        }),
      );
      const name = `${sandbox.state.route53.weightedRecordName}.`;
      return Object.fromEntries(
        (out.ResourceRecordSets ?? []).filter((r) => r.Name === name && r.Weight !== undefined).map((r) => [r.SetIdentifier, r.Weight]),
      );
    };
    const prior = await weights();
    expect(Object.keys(prior)).to.have.length(3);
    const config = JSON.parse(readFileSync(join(dir, 'crosswind.config.json'), 'utf8'));
    config.chaos.weightedRecords = {
      hostedZoneId: sandbox.state.route53.hostedZoneId,
      name: sandbox.state.route53.weightedRecordName,
      type: 'CNAME',
    };
    config.rollout.weightSteps = [10, 50];
    // The global traffic (10 a second from each vantage) gives the canary 80 requests a step from the vantage near it.
    config.rollout.weightStepDuration = '8s';
    await writeFile(join(dir, 'weights.json'), JSON.stringify(config));
    const r = await crosswind(['rollout', '--config', 'weights.json', '--version', '1.1.1', '--from-wave', '3', '--yes'], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stderr).to.contain('applied shift-weight eu-west-1 to 10%').and.contain('applied shift-weight eu-west-1 to 50%');
    expect(r.stdout).to.contain('Rollout 1.1.1: APPROVED in eu-west-1 (skipped: us-east-1, us-west-2)');
    expect(await weights()).to.deep.equal(prior);
    expect(await version(sandbox.state.regions[2]?.endpoint as string)).to.equal('1.1.1');
    expect(await version(sandbox.state.regions[0]?.endpoint as string)).to.equal('1.1.0');
    const ledger = jsonLines<{ kind: string; id: string; fault?: { kind: string }; detail?: { weights?: string } }>(
      join(runs(dir, 'rollout').at(-1) as string, 'ledger.jsonl'),
    );
    const ids = (kind: string) => ledger.filter((e) => e.kind === 'intent' && e.fault?.kind === kind).map((e) => e.id);
    const shifts = ids('shift-weight');
    expect(shifts, 'weight steps').to.have.length(2);
    // The region's weight went down to the first step before the new version ran there.
    expect(ledger.filter((e) => e.kind === 'intent').map((e) => e.fault?.kind)).to.deep.equal(['shift-weight', 'deploy', 'shift-weight']);
    // Each step a share of eu-west-1's own weight; the other regions kept theirs.
    for (const step of ledger.filter((e) => e.kind === 'applied' && shifts.includes(e.id))) {
      const set = Object.fromEntries((step.detail?.weights ?? '').split(', ').map((kv) => kv.split('=')));
      for (const [id, weight] of Object.entries(prior)) {
        if (id === 'eu-west-1') expect(Number(set[id]), id).to.be.below(Number(weight));
        else expect(Number(set[id]), id).to.equal(Number(weight));
      }
    }
    expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.have.members(shifts);
    // The deploy went through the ledger too, and stays: the wave was approved.
    expect(ledger.filter((e) => e.kind === 'kept').map((e) => e.id)).to.deep.equal(ids('deploy'));
  });

  it('game day: client-seen failover per vantage within 1 s of the ground truth, everything restored, rebalance verified', async () => {
    const r = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 180_000 });
    const run = runs(dir, 'gameday').at(-1) as string;
    const doc = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as VerdictDoc;
    const expected = expectedDrillVerdict(doc.gates);
    expect(expected.unexpected, r.stderr + r.stdout).to.deep.equal([]);
    expect(r.code, r.stderr + r.stdout).to.equal(expected.verdict === 'approve' ? 0 : 4);
    expect(r.stdout).to.contain(`Game day: us-east-1 out: ${expected.verdict === 'approve' ? 'APPROVED' : 'INCONCLUSIVE'}`);
    // Everything restored: every fault of the ledger undone, the health check as it was.
    const ledger = jsonLines<{ kind: string; id: string }>(join(run, 'ledger.jsonl'));
    const applied = ledger.filter((e) => e.kind === 'applied').map((e) => e.id);
    expect(applied).to.have.length(1);
    expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.deep.equal(applied);
    const { route53 } = motoClients({ url: sandbox.state.aws.endpoints.route53 });
    const east = sandbox.state.regions.find((x) => x.name === 'us-east-1');
    const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: east?.healthCheckId }));
    expect(hc.HealthCheck?.HealthCheckConfig?.Inverted ?? false).to.equal(false);
    // Client-seen failover per vantage (verdict.json's failover timeline) against the edge's ground truth.
    expect(
      failoverAgainstGroundTruth(
        doc,
        'us-east-1',
        sandbox.state.groundTruthLog,
        sandbox.state.vantages.map((v) => v.name),
      ),
      'vantages served by us-east-1 when the fault hit',
    ).to.be.greaterThan(0);
    // Only the affected vantages (us-east-1 served them before the fault) are judged as failover.
    const affected = sandbox.state.vantages.filter((v) => v.nearestRegion === 'us-east-1').map((v) => `vantage=${v.name}`);
    const rebalance = doc.gates.filter((x) => x.measure === 'rebalance time');
    expect(rebalance.map((x) => x.groupLabel.replace(/^.*,(vantage=)/, '$1'))).to.deep.equal(affected);
    expect(rebalance.every((x) => x.status === 'pass')).to.equal(true);
    for (const f of ['junit.xml', 'summary.md', 'run.json', 'health.jsonl']) expect(existsSync(join(run, f)), f).to.equal(true);
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
    // The run's report is the last window's judgement, on the k6 outputs still in the folder.
    const run = runs(dir, 'probe').at(-1) as string;
    const verdict = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as { gates: unknown[] };
    expect(verdict.gates, "the report judges the last window's gates").to.not.be.empty;
    const sources = (await readRunGates(run))?.flatMap((j) => j.sources) ?? [];
    expect(sources, "the last window's k6 outputs").to.not.be.empty;
    expect(
      sources.filter((s) => !existsSync(s)),
      "the last window's k6 outputs missing from the folder",
    ).to.deep.equal([]);
  });

  it('game day with an FIS experiment: stop-task in us-west-2, failed requests until the edge routes away, measured against the ground truth', async () => {
    const west = sandbox.state.regions.find((x) => x.name === 'us-west-2');
    const template = west?.experimentTemplates['aws:ecs:stop-task'] as string;
    const config = JSON.parse(readFileSync(join(dir, 'crosswind.config.json'), 'utf8'));
    config.gameday.targetRegion = 'us-west-2';
    config.gameday.phases[2] = { kind: 'inject', faults: [{ kind: 'fis-experiment', template }] };
    await writeFile(join(dir, 'fis.json'), JSON.stringify(config));
    const r = await crosswind(['gameday', '--config', 'fis.json', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 180_000 });
    // Clients saw failed requests while the edge detected the stopped region: the transition target (0.1 %) fails.
    expect(r.code, r.stderr + r.stdout).to.equal(1);
    const run = runs(dir, 'gameday').at(-1) as string;
    const doc = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as VerdictDoc;
    const transition = doc.gates.filter((g) => g.measure === 'transition error rate' && g.status === 'fail');
    expect(transition.length, JSON.stringify(doc.gates)).to.be.greaterThan(0);
    expect(
      failoverAgainstGroundTruth(
        doc,
        'us-west-2',
        sandbox.state.groundTruthLog,
        sandbox.state.vantages.map((v) => v.name),
      ),
    ).to.be.greaterThan(0);
    // The experiment was stopped and the region answers again.
    const ledger = jsonLines<{ kind: string; id: string; detail?: Record<string, string> }>(join(run, 'ledger.jsonl'));
    const applied = ledger.filter((e) => e.kind === 'applied');
    expect(applied).to.have.length(1);
    expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.deep.equal(applied.map((e) => e.id));
    const health = await fetch(new URL('/health', west?.endpoint));
    expect(health.status).to.equal(200);
  });

  it('game day: a baseline already failing is no steady state: nothing injected, exit 4, or 1 with --strict', async () => {
    const fault = await crosswind(
      ['sandbox', 'fault', '--state', join(dir, 'state.json'), '--region', 'eu-west-1', '--error-rate', '0.5'],
      { cwd: dir },
    );
    expect(fault.code, fault.stderr).to.equal(0);
    try {
      for (const [flags, code] of [
        [[], 4],
        [['--strict'], 1],
      ] as const) {
        const r = await crosswind(['gameday', '--yes', '--no-progress', ...flags], { cwd: dir, timeoutMs: 120_000 });
        expect(r.code, r.stderr + r.stdout).to.equal(code);
        expect(r.stderr).to.contain('steady state does not hold: nothing injected');
        expect(r.stdout).to.match(/steady state: steady-state-errors rate request_failed \[all\]: [\d.]+ %/);
        const run = runs(dir, 'gameday').at(-1) as string;
        const ledger = existsSync(join(run, 'ledger.jsonl')) ? jsonLines<{ kind: string }>(join(run, 'ledger.jsonl')) : [];
        expect(
          ledger.filter((e) => e.kind === 'intent'),
          'nothing injected',
        ).to.deep.equal([]);
        const verdict = JSON.parse(readFileSync(join(run, 'verdict.json'), 'utf8')) as { reasons: { message: string }[] };
        expect(verdict.reasons.map((x) => x.message).join('\n')).to.contain('nothing was injected');
      }
    } finally {
      await crosswind(['sandbox', 'fault', '--state', join(dir, 'state.json'), '--region', 'eu-west-1', '--clear'], { cwd: dir });
    }
  });

  it('game day: errors in a surviving region (the blast radius) stop the drill and undo the fault, exit 1', async () => {
    const before = runs(dir, 'gameday').length;
    const child = crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 120_000 });
    try {
      // The steady state holds; once the fault is applied, a survivor starts failing half its requests.
      await until('the fault to be applied (its ledger line)', async () => faultApplied(runs(dir, 'gameday')[before]), 60_000, 200);
      const fault = await crosswind(
        ['sandbox', 'fault', '--state', join(dir, 'state.json'), '--region', 'eu-west-1', '--error-rate', '0.5'],
        { cwd: dir },
      );
      expect(fault.code, fault.stderr).to.equal(0);
      const r = await child;
      expect(r.code, r.stderr + r.stdout).to.equal(1);
      expect(r.stderr).to.match(/error rate [\d.]+ % in us-west-2, eu-west-1 is above chaos.stopConditions.maxErrorRate 5.00 %/);
      const run = runs(dir, 'gameday').at(-1) as string;
      const ledger = jsonLines<{ kind: string; id: string; source?: string }>(join(run, 'ledger.jsonl'));
      expect(ledger.some((e) => e.kind === 'stop' && e.source === 'error-rate')).to.equal(true);
      const applied = ledger.filter((e) => e.kind === 'applied').map((e) => e.id);
      expect(ledger.filter((e) => e.kind === 'undone').map((e) => e.id)).to.have.members(applied);
      // What was recorded before the stop is still judged and reported.
      expect(existsSync(join(run, 'verdict.json')) && existsSync(join(run, 'summary.md'))).to.equal(true);
      expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).stopped).to.match(/error rate/);
    } finally {
      await child.catch(() => {});
      await crosswind(['sandbox', 'fault', '--state', join(dir, 'state.json'), '--region', 'eu-west-1', '--clear'], { cwd: dir });
    }
  });

  it('SIGINT during a game day leaves no fault behind', async () => {
    const before = runs(dir, 'gameday').length;
    const child = spawn(BIN, ['gameday', '--yes', '--no-progress'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: userEnv() });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait until the fault is applied (the ledger says so), then interrupt.
    await until('the fault to be applied (its ledger line)', async () => faultApplied(runs(dir, 'gameday')[before]), 60_000, 200).catch(
      (err: Error) => {
        throw new Error(`${err.message}:\n${output}`);
      },
    );
    const ledgerFile = join(runs(dir, 'gameday')[before] as string, 'ledger.jsonl');
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
