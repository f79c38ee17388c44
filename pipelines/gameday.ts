import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Route53Client } from '@aws-sdk/client-route-53';
import { checkpointsFromEnv } from '../chaos/checkpoints.ts';
import { defaultConfirm } from '../chaos/confirm.ts';
import { awsResolver } from '../chaos/resolve.ts';
import { type FaultSession, withFaultSession } from '../chaos/session.ts';
import { awsClientOptions } from '../config/aws.ts';
import { withEvidence } from '../config/gates.ts';
import { redactSecrets } from '../config/redact.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import type { CliIo } from '../core/io.ts';
import { type FaultEvent, RUNNER_KINDS } from '../core/ledger-entry.ts';
import { buildPlan, combineRuns, type K6Run, startK6Run } from '../synthetics/k6.ts';
import { type EvidenceGap, withEvidenceGaps } from '../validations/evidence-gaps.ts';
import type { FaultTimeline } from '../validations/failover-timeline.ts';
import type { GateResult } from '../validations/gates/gate-result.ts';
import { judgeRun } from '../validations/judge.ts';
import type { ReadStats } from '../validations/read-points.ts';
import type { RecordedJudgement } from '../validations/run-gates.ts';
import { readFaults, readHealth } from '../validations/run-inputs.ts';
import { decide, type Judgement } from '../validations/verdict.ts';
import { type DrillRecord, type GamedayWorld, runDrill } from './gameday-drill.ts';
import { deepHealthWatched, dependencyGates, functionalGates, gamedayGates } from './gameday-gates.ts';
import type { GamedayPlan } from './gameday-plan.ts';
import { deepHealthGates } from './health-gates.ts';
import { describePolling, type HealthPolling, watchHealth } from './health-watch.ts';
import { gamedayNeeds, preflight } from './preflight.ts';
import { type ProgressPrinter, progressPrinter, REQUEST_FAILED } from './progress.ts';
import { trafficPlan } from './remote/traffic-plan.ts';
import { evidenceGaps, startVantageTraffic, type VantageTraffic } from './remote/vantage-traffic.ts';
import { finishRun, type RunReport } from './run-report.ts';

export interface GamedayCommand {
  config: CrosswindConfig;
  plan: GamedayPlan;
  io: CliIo;
  yes: boolean;
  progress: boolean;
  /** A steady state that does not hold fails the run (exit 1) instead of leaving it inconclusive (exit 4). */
  strict?: boolean;
  /** Project root for `.crosswind/runs`; default the current directory. */
  root?: string;
  /** The k6 executable, found and version-checked by the CLI (`--k6`, CROSSWIND_K6, PATH); default: found here. */
  k6?: string;
}

/**
 * What a game day's drill leaves for its report, filled in as the drill goes: the run folder once the session has
 * one, the traffic and the deep-health probe once started, the functional checks and the steady state once judged,
 * and the drill's record when it ran to its end (otherwise `stopped`, what ended it).
 */
interface DrillState {
  runDir: string;
  traffic?: VantageTraffic;
  deepHealth?: K6Run;
  functional?: { ndjson: string; survivors: string[] };
  steadyResults: GateResult[];
  record?: DrillRecord;
  /** How often Route 53's view of each region was read: the resolution of the detection times. */
  polling?: HealthPolling;
  stopped?: unknown;
}

/**
 * The drill's world inside a fault session: traffic from every vantage and the deep-health probe, faults through
 * the session's ledger, the drill's faults restored (the runners keep sending), functional checks on the survivors,
 * and the steady state judged on the baseline. What it starts and judges is kept in `state` for the report.
 */
function gamedayWorld(c: GamedayCommand, session: FaultSession, progress: ProgressPrinter, state: DrillState): GamedayWorld {
  const { config } = c;
  const runDir = state.runDir;
  return {
    async startTraffic(durationMs) {
      const traffic = await gamedayTraffic(c, session, runDir, durationMs, (line) => progress.note(line));
      state.traffic = traffic;
      state.deepHealth = await watchDeepHealth(c, runDir, durationMs);
      return traffic;
    },
    async applyFault(f) {
      if (f.kind === 'invert-health-check') await session.apply({ kind: 'invert-health-check', region: f.region });
      // A name from chaos.experiments is created from config; anything else is an existing template's id.
      else if (config.chaos.experiments[f.template]) await session.apply({ kind: 'fis-experiment', template: f.template });
      else await session.apply({ kind: 'fis-experiment', templateId: f.template, region: f.region });
    },
    // The drill's faults only: the runners keep sending until the traffic is stopped.
    restore: (reason) => session.undoAll(reason, (f) => !RUNNER_KINDS.has(f.intent.fault.kind)),
    async functionalChecks(survivors, durationMs) {
      const run = await startK6Run({
        // Each survivor is checked at the drill's per-vantage rate: enough checks to show the functional bound.
        plan: buildPlan(config, {
          scenario: 'regional-probe',
          regions: survivors,
          durationMs,
          ratePerSecond: config.gameday.ratePerVantage,
          thresholds: {},
        }),
        runDir,
        k6Path: c.k6,
        name: 'functional-checks',
        signal: session.signal,
        signals: null,
      });
      await run.done;
      state.functional = { ndjson: run.files.ndjson, survivors };
      const judged = await judgeRun({ sources: [run.files.ndjson], gates: functionalGates(survivors, config) });
      return { gates: judged.results.map((r) => ({ status: r.status, line: r.reason })) };
    },
    async steadyState(since) {
      const end = Date.now();
      // Remote runners upload every few seconds: the baseline is judged once their data has caught up with it.
      await state.traffic?.settle(end);
      // The baseline so far, as written: nothing injected yet, so this is the system as users find it.
      const judged = await judgeRun({
        sources: recorded(state.traffic?.sources()),
        gates: steadyStateGates(config),
        timeRange: { start: since, end },
      });
      state.steadyResults = judged.results.map((r) => ({ ...r, gate: `steady state: ${r.gate}` }));
      return { gates: judged.results.map((r) => ({ status: r.status, line: r.reason })) };
    },
    sleep: (ms) => session.hold(ms),
    now: Date.now,
    phase: (name) => progress.phase(name),
    note: (text) => progress.note(text),
    point: (p) => progress.point(p),
  };
}

/** The files of `paths` that were written (a run stopped early may not have written them all). */
function recorded(paths: readonly string[] | undefined): string[] {
  return (paths ?? []).filter((f) => existsSync(f));
}

/**
 * The drill in a fault session (ledger, guardrails, stop conditions, signals → restore), with Route 53 health watched
 * into `health.jsonl`. A stopped drill (a stop condition, a signal, an error) has every fault undone by the session;
 * when it recorded traffic, what ended it is kept in `state.stopped` for the report, otherwise it is thrown.
 */
async function runGameday(c: GamedayCommand, progress: ProgressPrinter, state: DrillState): Promise<void> {
  const { config, plan } = c;
  const route53 = new Route53Client(awsClientOptions(config.aws, 'route53'));
  try {
    state.record = await withFaultSession(
      {
        config,
        mode: 'gameday',
        root: c.root,
        handleSignals: true,
        confirm: defaultConfirm({ yes: c.yes }),
        checkpoint: checkpointsFromEnv(),
        log: (line) => progress.note(line),
        // The blast radius: the live error rate of the regions not under fault, from the drill's own traffic.
        errorRate: (healthy) => progress.errorRate(healthy),
        preflight: (clients) =>
          preflight(config, gamedayNeeds(config, plan), awsResolver(clients), { cwd: process.cwd(), env: process.env }),
      },
      async (session) => {
        state.runDir = session.runDir as string;
        const watched = config.regions.flatMap((r) => (r.healthCheckId ? [{ name: r.name, healthCheckId: r.healthCheckId }] : []));
        const health = watchHealth({
          route53,
          regions: watched,
          file: join(state.runDir, 'health.jsonl'),
          requestsPerSecond: config.aws.route53RequestsPerSecond,
          log: (l) => progress.note(l),
        });
        try {
          progress.note(`run folder: ${state.runDir}`);
          return await runDrill(plan, gamedayWorld(c, session, progress, state), session.signal);
        } finally {
          state.polling = await health.stop();
          state.deepHealth?.stop();
          await state.deepHealth?.done.catch(() => {});
        }
      },
    );
  } catch (err) {
    // Whatever traffic was recorded is still judged and reported, then the stop decides the exit.
    if (!state.runDir || recorded(state.traffic?.sources()).length === 0) throw err;
    state.stopped = err;
    c.io.err(`game day stopped: ${(err as Error).message}; judging what was recorded`);
  } finally {
    progress.stop();
    route53.destroy();
  }
}

/** Judges what the drill recorded and writes the run's reports; a stopped drill's stop is thrown after them. */
async function reportGameday(c: GamedayCommand, state: DrillState, startedAt: number): Promise<RunReport> {
  const { config, plan, io } = c;
  const { runDir, traffic, functional, record, stopped } = state;
  const faultsFile = join(runDir, 'ledger.jsonl');
  const healthFile = join(runDir, 'health.jsonl');
  const faults = await readFaults(faultsFile);
  const sources = recorded(traffic?.sources());
  const deepHealthFiles = recorded(state.deepHealth?.sources);
  const judged = await judgeDrill({
    config,
    plan,
    trafficFiles: sources,
    deepHealthFiles,
    gaps: evidenceGaps(traffic?.remote()),
    healthFile,
    faults,
    functional,
    record,
    steadyResults: state.steadyResults,
    strict: c.strict,
  });
  const { verdict, results } = judged;
  // The resolution of the detection times: how often Route 53's view of each region was read.
  if (state.polling) io.out(describePolling(state.polling));
  const report = await finishRun({
    io,
    config,
    runDir,
    mode: 'gameday',
    startedAt,
    title: `Game day: ${plan.targetRegion} out`,
    judgement: { verdict, results },
    judged: judged.recorded,
    document: {
      sources: [...sources, ...(functional ? [functional.ndjson] : []), ...deepHealthFiles],
      stats: judged.stats,
      ...(judged.span ? { span: judged.span } : {}),
      faultsFile,
      ...(existsSync(healthFile) ? { healthFile } : {}),
      failover: judged.failover,
    },
    extra: {
      targetRegion: plan.targetRegion,
      survivors: plan.survivors,
      phases: record?.phases ?? [],
      ...(state.polling ? { healthPolling: state.polling } : {}),
      faults,
      ...(traffic?.remote() ? { runners: traffic.remote()?.runners } : {}),
      ...(stopped ? { stopped: (stopped as Error).message } : {}),
    },
    noThrow: stopped !== undefined,
  });
  if (stopped) throw stopped;
  return report;
}

/**
 * `crosswind gameday`: the drill through a fault session (ledger, guardrails, stop conditions, signals → restore),
 * global traffic from every vantage through the synthetics launcher, Route 53 health watched into `health.jsonl`,
 * then the failover, capacity and functional gates judged by validations and reported into the run folder.
 */
export async function gamedayCommand(c: GamedayCommand): Promise<RunReport> {
  const startedAt = Date.now();
  const progress = progressPrinter({
    regions: c.config.regions.map((r) => r.name),
    write: (s) => process.stderr.write(redactSecrets(s)),
    tty: process.stderr.isTTY === true,
    quiet: !c.progress,
  });
  const state: DrillState = { runDir: '', steadyResults: [] };
  await runGameday(c, progress, state);
  return reportGameday(c, state, startedAt);
}

interface DrillOutput {
  config: CrosswindConfig;
  plan: GamedayPlan;
  trafficFiles: string[];
  /** The regional probe's answers from the regions of `dependency-down` faults, through the whole drill. */
  deepHealthFiles: string[];
  /** Vantages whose remote runner failed, fell silent or stopped early: their results are inconclusive, named. */
  gaps: EvidenceGap[];
  healthFile: string;
  faults: FaultEvent[];
  functional: { ndjson: string; survivors: string[] } | undefined;
  record: DrillRecord | undefined;
  steadyResults: GateResult[];
  strict?: boolean;
}

/**
 * The drill's verdict. A steady state that did not hold means nothing was injected: the verdict is that, naming what
 * failed, inconclusive (or, with `--strict`, a failure). Otherwise the failover, capacity and functional gates.
 */
async function judgeDrill(
  d: DrillOutput,
): Promise<
  Judgement & { stats: ReadStats; span?: { start: number; end: number }; failover: FaultTimeline[]; recorded: RecordedJudgement[] }
> {
  const { config, plan } = d;
  // No health file means Route 53 was never read: detection is then inconclusive, never a pass.
  const health = existsSync(d.healthFile) ? await readHealth(d.healthFile) : [];
  if (d.record?.steadyState?.held === false) {
    const reasons = d.steadyResults
      .filter((r) => r.status !== 'pass')
      .map((r) => ({ gate: r.gate, measure: r.measure, groupLabel: r.groupLabel, message: `${r.reason}: nothing was injected` }));
    const read = await judgeRun({ sources: d.trafficFiles, gates: [] });
    return {
      verdict: d.strict ? { kind: 'rollback', reasons } : { kind: 'inconclusive', reasons },
      results: d.steadyResults,
      stats: read.stats,
      ...(read.span ? { span: read.span } : {}),
      failover: [],
      // Nothing but the baseline was recorded: judging the folder again asks the steady-state question.
      recorded: [{ label: 'steady state', sources: d.trafficFiles, gates: steadyStateGates(config) }],
    };
  }
  const recorded: RecordedJudgement[] = [
    {
      sources: d.trafficFiles,
      gates: gamedayGates(config.gameday, plan, config.gates.evidence, {
        ttl: config.synthetics.dns.ttl,
        noConnectionReuse: config.synthetics.http.noConnectionReuse,
      }),
    },
  ];
  if (d.functional)
    recorded.push({
      sources: [d.functional.ndjson],
      gates: functionalGates(d.functional.survivors, config),
    });
  const judged = await judgeRun({ ...(recorded[0] as RecordedJudgement), faults: d.faults, health });
  // A vantage whose runner failed to start, stopped early or fell silent leaves its gates inconclusive, named.
  const results = [...d.steadyResults, ...withEvidenceGaps(judged.results, d.gaps)];
  if (d.functional) results.push(...(await judgeRun(recorded[1] as RecordedJudgement)).results);
  // The broken region's health endpoint must say what it checks, or its 503 proves nothing.
  const watched = deepHealthWatched(plan);
  const dependencies = [
    ...dependencyGates(config.gameday, plan),
    ...(watched.length > 0 ? deepHealthGates(config.synthetics, { target_region: watched }) : []),
  ];
  if (dependencies.length > 0) {
    recorded.push({ sources: d.deepHealthFiles, gates: dependencies });
    results.push(...(await judgeRun({ sources: d.deepHealthFiles, gates: dependencies, faults: d.faults })).results);
  }
  return {
    verdict: decide(results),
    results,
    stats: judged.stats,
    ...(judged.span ? { span: judged.span } : {}),
    failover: judged.failover,
    recorded,
  };
}

/**
 * The regional probe at the regions of the drill's `dependency-down` faults, at the drill's rate, for as long as the
 * traffic runs: their deep health answers before, during and after the fault. None without such a fault.
 */
async function watchDeepHealth(c: GamedayCommand, runDir: string, durationMs: number): Promise<K6Run | undefined> {
  const regions = deepHealthWatched(c.plan);
  if (regions.length === 0) return undefined;
  const plan = buildPlan(c.config, {
    scenario: 'regional-probe',
    regions,
    durationMs,
    ratePerSecond: c.config.gameday.ratePerVantage,
    thresholds: {},
  });
  // The fault session owns the signals; the drill stops this with the traffic.
  return startK6Run({ plan, runDir, k6Path: c.k6, name: 'deep-health', signals: null });
}

/** The steady-state gates with the configured evidence rule. */
function steadyStateGates(config: CrosswindConfig) {
  return config.gameday.steadyState.map((g) => withEvidence(g, config.gates.evidence));
}

/**
 * The drill's global traffic from every vantage, as one: one run per client profile (or one plain run), side by side;
 * local k6 for the local vantages, remote runners (through the session's ledger) for the others.
 */
function gamedayTraffic(
  c: GamedayCommand,
  session: FaultSession,
  runDir: string,
  durationMs: number,
  log: (line: string) => void,
): Promise<VantageTraffic> {
  const { config } = c;
  const profiles = config.gameday.clientProfiles;
  const rate = config.gameday.ratePerVantage;
  const plan = trafficPlan(config, { trafficMs: durationMs, ratePerVantage: rate, profiles: profiles.map((p) => p.name) });
  return startVantageTraffic({
    config,
    plan,
    runDir,
    name: 'global-traffic',
    session,
    ...(c.k6 ? { k6: c.k6 } : {}),
    async startLocal(vantages) {
      const runs = [];
      for (const profile of profiles.length > 0 ? profiles : [undefined]) {
        const p = buildPlan(config, {
          scenario: 'global-traffic',
          durationMs,
          ratePerSecond: rate,
          vantages,
          thresholds: {},
          ...(profile ? { profile } : {}),
        });
        // The fault session owns the signals: it restores first, then the drill stops the traffic. The live progress
        // folds only the per-request outcome; the gates read the whole file afterwards.
        const name = profile ? `global-traffic.${profile.name}` : 'global-traffic';
        runs.push(await startK6Run({ plan: p, runDir, k6Path: c.k6, name, signals: null, liveMetrics: [REQUEST_FAILED] }));
      }
      return combineRuns(runs);
    },
    remotePlan(vantage, profileName) {
      const profile = profiles.find((p) => p.name === profileName);
      return buildPlan(config, {
        scenario: 'global-traffic',
        durationMs: plan.runnerDurationMs,
        ratePerSecond: rate,
        vantages: [vantage],
        thresholds: {},
        ...(profile ? { profile } : {}),
      });
    },
    liveMetrics: [REQUEST_FAILED],
    log,
  });
}
