import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetHealthCheckCommand, Route53Client } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import type { FaultEvent, LedgerEntry } from '../../core/ledger-entry.ts';
import { parseGroundTruth } from '../../sandbox/ground-truth.ts';
import type { RequestLogLine } from '../../sandbox/region-app/public-server.ts';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { wireFailover } from '../../validations/ground-truth-check.ts';
import type { VerdictDocument } from '../../validations/reporters/verdict-document.ts';
import { spawnCli } from '../support/child.ts';
import { BIN, crosswind } from '../support/cli.ts';
import { expectedDrillVerdict } from '../support/gameday-verdict.ts';
import { startRecordingProxy } from '../support/recording-proxy.ts';
import { writeSandboxProject } from '../support/sandbox-project.ts';

// A game day whose three vantages run where their users are: each an ECS task (RunTask in its own region, in its own
// subnet) that the sandbox runs as `crosswind runner` from the installed package inside that vantage's namespace,
// streaming k6's NDJSON to S3 (moto). crosswind follows the chunks, merges them into the run folder on one clock and
// judges; the failover it measures per vantage is held against the wire (the region apps' own request logs). Then a
// game day is killed mid-drill and `crosswind restore` must stop every task and undo the fault.
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const VANTAGES = ['vantage-us-east', 'vantage-us-west', 'vantage-eu'];
const CLEAN_WINDOW_S = 2;

function jsonLines<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

function runFolders(dir: string): string[] {
  const root = join(dir, '.crosswind', 'runs');
  return existsSync(root)
    ? readdirSync(root)
        .filter((n) => n.endsWith('-gameday'))
        .sort()
        .map((n) => join(root, n))
    : [];
}

describe('a game day from ECS runners in three regions (namespace world)', function () {
  this.timeout(400_000);
  let sandbox: SandboxHandle | undefined;
  let dir: string;
  const clients: { ecs: Map<string, ECSClient>; route53?: Route53Client } = { ecs: new Map() };

  /** Tasks moto still has RUNNING in a region's runner cluster. */
  const runningTasks = async () => {
    const out: string[] = [];
    for (const region of REGIONS) {
      const listed = await clients.ecs.get(region)?.send(new ListTasksCommand({ cluster: 'crosswind-runners', desiredStatus: 'RUNNING' }));
      out.push(...(listed?.taskArns ?? []));
    }
    return out;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-gameday-ecs-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({
      world: 'netns',
      stateFile: state,
      vantages: VANTAGES,
      timing: { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 400, dnsTtlMs: 1000, replicationLagMs: 300 },
      metricsIntervalMs: 0,
      // The runner image's crosswind: the installed package, as users install it.
      crosswind: BIN,
    });
    const aws = { region: 'us-east-1', endpoint: sandbox.state.moto.url, credentials: sandbox.state.aws.credentials };
    for (const region of REGIONS) clients.ecs.set(region, new ECSClient({ ...aws, region }));
    clients.route53 = new Route53Client({ ...aws, endpoint: sandbox.state.aws.endpoints.route53 });
    await writeSandboxProject(dir, state, REGIONS, {
      // Region, cluster, subnet and task role of each come from the sandbox: a subnet of the vantage's region.
      vantages: VANTAGES.map((name) => ({ name, runner: { kind: 'ecs' } })),
      synthetics: { globalTraffic: { path: '/version' }, http: { noConnectionReuse: true } },
      distributed: { runners: { chunkInterval: '1s', startTimeout: '60s', stopTimeout: '30s', silenceTimeout: '15s', maxRunners: 3 } },
      gameday: {
        targetRegion: 'us-east-1',
        // Evidence-sized for the shortest transition: the fault is felt within about 0.2 s of t_fault, and a
        // transition's error bound of 25 % needs 11 clean requests (95 %), so each vantage sends 60 a second.
        ratePerVantage: 60,
        phases: [
          { kind: 'baseline', duration: '6s' },
          { kind: 'inject' },
          { kind: 'observe', duration: '10s' },
          { kind: 'restore' },
          { kind: 'verify-rebalance', duration: '6s', tolerance: 0.3 },
        ],
        // The survivors are healthy; beside the suite's other files on two cores their p(95) can pass 1 s (see
        // pipelines.test.ts), so the bound is a busy machine's.
        targets: {
          cleanWindowSeconds: CLEAN_WINDOW_S,
          failoverSeconds: 60,
          transitionErrorRate: 0.25,
          survivorPercentile: 95,
          survivorLatencyMs: 3000,
        },
      },
    });
  });
  after(async () => {
    for (const c of clients.ecs.values()) c.destroy();
    clients.route53?.destroy();
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists per vantage the region, cluster, task count and deadline in --dry-run, and calls nothing', async () => {
    const recorder = await startRecordingProxy(sandbox?.state.moto.url as string);
    try {
      const endpoints = Object.fromEntries(['route53', 'fis', 'cloudwatch', 'sts', 'ecs', 's3'].map((s) => [s, recorder.url]));
      const config = JSON.parse(await readFile(join(dir, 'crosswind.config.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(join(dir, 'dry.config.json'), JSON.stringify({ ...config, aws: { allowedRegions: REGIONS, endpoints } }));
      const dry = await crosswind(['gameday', '--dry-run', '--config', 'dry.config.json'], { cwd: dir });
      expect(dry.code, dry.stderr).to.equal(0);
      for (const vantage of VANTAGES) {
        const region = sandbox?.state.vantages.find((v) => v.name === vantage)?.nearestRegion as string;
        expect(dry.stdout, `${vantage} in the dry run`).to.match(
          new RegExp(`  ${vantage}: ecs in ${region}, cluster crosswind-runners, 1 task\\(s\\), 60 req/s, deadline \\d+ s after start`),
        );
      }
      expect(dry.stdout).to.contain('starts: ecs:RunTask x1 of crosswind-runner (Fargate) in eu-west-1');
      expect(
        recorder.calls.map((c) => `${c.method} ${c.path} ${c.operation ?? ''}`),
        'AWS calls of a dry run',
      ).to.deep.equal([]);
      expect(runFolders(dir), 'a dry run makes no run folder').to.deep.equal([]);
    } finally {
      await recorder.stop();
    }
  });

  it("measures every vantage's failover from its ECS runner's data, merged out of S3, within 0.5 s of the wire", async () => {
    const day = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 240_000 });
    const output = `${day.stdout}\n${day.stderr}`;
    expect(day.code, output).to.be.oneOf([0, 4]);
    const folder = runFolders(dir).at(-1) as string;
    // Each vantage ran as a task of its own region, in its namespace; the ledger started and stopped each.
    const truth = parseGroundTruth(await readFile(sandbox?.state.groundTruthLog as string, 'utf8'));
    const tasks = truth.filter((e) => e.kind === 'ecs-task' && e.phase === 'start') as Extract<
      (typeof truth)[number],
      { kind: 'ecs-task' }
    >[];
    expect(tasks.map((t) => [t.vantage, t.region]).sort()).to.deep.equal(
      VANTAGES.map((v) => [v, sandbox?.state.vantages.find((x) => x.name === v)?.nearestRegion]).sort(),
    );
    const ledger = jsonLines<LedgerEntry>(await readFile(join(folder, 'ledger.jsonl'), 'utf8'));
    const runners = ledger.filter((e) => e.kind === 'intent' && e.fault.kind === 'ecs-runner').map((e) => e.id);
    expect(runners, 'a ledger entry per runner task').to.have.length(3);
    for (const id of runners)
      expect(
        ledger.some((e) => e.kind === 'undone' && e.id === id),
        `runner ${id} stopped through the ledger`,
      ).to.equal(true);
    expect(await runningTasks(), 'no task left running').to.deep.equal([]);
    // Every runner's chunks are in the run folder, on the orchestrator's clock.
    const record = JSON.parse(await readFile(join(folder, 'k6', 'global-traffic.runners.json'), 'utf8')) as {
      runners: {
        id: string;
        vantage: string;
        chunks: number;
        lines: number;
        clockOffsetMs: number | null;
        end: string;
        task: string | null;
      }[];
    };
    for (const r of record.runners) {
      // Its identity as ECS gives it to the container (the task metadata endpoint): the task the ledger started.
      expect(r.task, `${r.id}: the task it ran as`).to.equal(tasks.find((t) => t.vantage === r.vantage)?.task);
      expect(r.chunks, `${r.id}: chunks merged`).to.be.greaterThan(5);
      expect(r.clockOffsetMs, `${r.id}: clock offset measured`).to.be.a('number');
      expect(r.end, `${r.id}: stopped by crosswind`).to.match(/^stopped/);
      expect(existsSync(join(folder, 'k6', `global-traffic.${r.id}.ndjson`)), `${r.id}: merged NDJSON`).to.equal(true);
    }
    const verdict = JSON.parse(await readFile(join(folder, 'verdict.json'), 'utf8')) as VerdictDocument;
    const expected = expectedDrillVerdict(verdict.gates);
    expect(expected.unexpected, 'gates failed or lacking evidence').to.deep.equal([]);
    expect(verdict.verdict, output).to.equal(expected.verdict);
    const timeline = verdict.failover?.[0] as NonNullable<VerdictDocument['failover']>[number];
    const appliedAt = Date.parse(timeline.fault.appliedAt);
    const undoneAt = timeline.fault.undoneAt ? Date.parse(timeline.fault.undoneAt) : undefined;
    const fault = { ...timeline.fault, appliedAt, ...(undoneAt ? { undoneAt } : {}) } as unknown as FaultEvent;
    const served: RequestLogLine[] = [];
    for (const r of sandbox?.state.regions ?? []) served.push(...jsonLines<RequestLogLine>(await readFile(r.requestLog, 'utf8')));
    const wire = wireFailover(
      served.filter((r) => r.path === '/version'),
      fault,
      [fault],
      CLEAN_WINDOW_S * 1000,
    );
    const errors: string[] = [];
    for (const vantage of VANTAGES) {
      const m = timeline.vantages.find((v) => v.vantage === vantage);
      const w = wire.find((x) => x.vantage === vantage);
      expect(w?.requests, `${vantage}: its runner's requests on the wire`).to.be.greaterThan(50);
      expect(m?.failoverSeconds, `${vantage}: failover measured\n${output}`).to.be.a('number');
      expect(w?.failoverAt, `${vantage}: failover on the wire`).to.be.a('number');
      const measuredMs = Math.round((m?.failoverSeconds as number) * 1000);
      const wireMs = (w?.failoverAt as number) - appliedAt;
      errors.push(`${vantage}: measured ${measuredMs} ms, wire ${wireMs} ms`);
      expect(Math.abs(measuredMs - wireMs), errors.at(-1)).to.be.at.most(500);
    }
    // The vantage us-east-1 served must really have moved (nothing else shows the fault was felt): on the wire,
    // us-east-1 answered its last request before the fault, and other regions every request from its failover until
    // the fault was undone. Not a least failover time: the sandbox's DNS can move a vantage within 100 ms.
    const usEast = served.filter((r) => r.path === '/version' && r.vantage === 'vantage-us-east').sort((a, b) => a.time - b.time);
    const movedAt = wire.find((x) => x.vantage === 'vantage-us-east')?.failoverAt as number;
    expect(usEast.filter((r) => r.time < appliedAt).at(-1)?.region, 'vantage-us-east: served before the fault by').to.equal('us-east-1');
    const afterMove = usEast.filter((r) => r.time >= movedAt && r.time < (undoneAt ?? Number.POSITIVE_INFINITY));
    expect(afterMove.length, 'vantage-us-east: requests between its failover and the undo').to.be.greaterThan(10);
    expect(new Set(afterMove.map((r) => r.region)), `vantage-us-east: served after its failover by; ${errors.join('; ')}`).to.not.include(
      'us-east-1',
    );
    process.stderr.write(`      ECS runners against the wire: ${errors.join('; ')}\n`);
  });

  it('stops every task and undoes the fault with crosswind restore after the orchestrator is killed mid-drill', async () => {
    const before = runFolders(dir).length;
    const run = spawnCli(['gameday', '--yes', '--no-progress'], { cwd: dir });
    await run.waitFor(/injected: .*us-east-1/, 120_000);
    run.child.signal('SIGKILL');
    await run.exited;
    const folder = runFolders(dir)[before] as string;
    const ledger = jsonLines<LedgerEntry>(await readFile(join(folder, 'ledger.jsonl'), 'utf8'));
    expect(ledger.filter((e) => e.kind === 'applied').length, 'three runners and the fault were applied').to.equal(4);
    // The orchestrator is gone; its runners are not.
    expect(await runningTasks(), 'tasks left by the killed game day').to.have.length(3);
    const hc = sandbox?.state.regions.find((r) => r.name === 'us-east-1')?.healthCheckId as string;
    const inverted = async () =>
      (await clients.route53?.send(new GetHealthCheckCommand({ HealthCheckId: hc })))?.HealthCheck?.HealthCheckConfig?.Inverted;
    expect(await inverted(), 'the fault the killed game day left').to.equal(true);

    const restored = await crosswind(['restore'], { cwd: dir, timeoutMs: 60_000 });
    expect(restored.code, restored.stderr).to.equal(0);
    expect(JSON.parse(restored.stdout.trim().split('\n').at(-1) as string)).to.deep.include({ undone: 4, failed: 0 });
    expect(await runningTasks(), 'restore stopped every task').to.deep.equal([]);
    expect(await inverted(), 'restore undid the fault').to.equal(false);
    // ECS's SIGTERM reaches each runner process, which writes its last chunk and exits.
    for (let i = 0; i < 60 && (sandbox?.ecs.running.length ?? 0) > 0; i++) await sleep(500);
    expect(sandbox?.ecs.running, 'runner processes still alive after their tasks were stopped').to.deep.equal([]);
  });
});
