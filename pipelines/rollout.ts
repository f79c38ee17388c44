import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpointsFromEnv } from '../chaos/checkpoints.ts';
import { chaosClients } from '../chaos/clients.ts';
import { defaultConfirm } from '../chaos/confirm.ts';
import { HookFailedError, type HookResult } from '../chaos/hooks.ts';
import { awsResolver } from '../chaos/resolve.ts';
import { type FaultSession, withFaultSession } from '../chaos/session.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import type { CliIo } from '../core/io.ts';
import { buildPlan, startK6Run } from '../synthetics/k6.ts';
import type { CloudWatchSender } from '../validations/cloudwatch-reader.ts';
import type { GateResult } from '../validations/gates/gate-result.ts';
import { judgeRun } from '../validations/judge.ts';
import type { RecordedJudgement } from '../validations/run-gates.ts';
import type { Verdict } from '../validations/verdict.ts';
import { deepHealthGates } from './health-gates.ts';
import { preflight, rolloutNeeds } from './preflight.ts';
import { type RolloutWorld, rolloutEffects, type WavePhase } from './rollout-effects.ts';
import { canaryGates, PHASE_TAG, rolloutGates } from './rollout-gates.ts';
import { type RolloutResult, runRollout } from './rollout-machine.ts';
import type { RolloutPlan } from './rollout-plan.ts';
import { recordServerSide, serverSideGates } from './rollout-server-side.ts';
import { finishRun, type RunReport } from './run-report.ts';
import { readVersion } from './version.ts';

export interface RolloutCommand {
  config: CrosswindConfig;
  plan: RolloutPlan;
  io: CliIo;
  previousVersion?: string;
  yes: boolean;
  root?: string;
  /** The k6 executable, found and version-checked by the CLI (`--k6`, CROSSWIND_K6, PATH); default: found here. */
  k6?: string;
  /** A wave whose steady state does not hold fails the run (exit 1) instead of leaving it inconclusive (exit 4). */
  strict?: boolean;
}

interface PhaseContext {
  config: CrosswindConfig;
  runDir: string;
  session: FaultSession;
  io: CliIo;
  k6: string | undefined;
  baselines: Map<string, string[]>;
  startedAt: number;
  runs: number;
  /** A CloudWatch client in a region (`rollout.comparison.serverSide` reads each region's metric there). */
  cloudwatch: (region: string) => CloudWatchSender;
}

/**
 * One phase of a wave: the regional probe at the region (and in a weight step the global traffic from every vantage)
 * tagged with the phase, judged by its gates throughout (every `everyMs`) and at the end. A baseline's files are kept
 * for the comparisons after the deploy.
 */
async function judgePhase(p: PhaseContext, phase: WavePhase, region: string, durationMs: number, everyMs?: number) {
  const r = p.config.rollout;
  const evidence = p.config.gates.evidence;
  const canary = phase.startsWith('weight-');
  const phaseStart = Date.now();
  const tags = { [PHASE_TAG]: phase };
  const start = (scenario: 'regional-probe' | 'global-traffic', name: string) =>
    startK6Run({
      plan: buildPlan(p.config, {
        scenario,
        ...(scenario === 'regional-probe' ? { regions: [region] } : {}),
        durationMs,
        // The direct probe at the rollout's rate; the global traffic at its own configured rate, as users arrive.
        ...(scenario === 'regional-probe' ? { ratePerSecond: r.rate } : {}),
        thresholds: {},
        tags,
      }),
      runDir: p.runDir,
      k6Path: p.k6,
      name,
      signal: p.session.signal,
      signals: null,
    });
  const name = `wave-${region}-${phase}-${p.runs}`;
  const runs = [await start('regional-probe', name), ...(canary ? [await start('global-traffic', `${name}-global`)] : [])];
  const gates = [
    ...rolloutGates(r, region, phase, evidence),
    ...deepHealthGates(p.config.synthetics, { target_region: region, [PHASE_TAG]: phase }),
    ...(canary ? canaryGates(r, region, phase, evidence) : []),
  ];
  const own = runs.flatMap((run) => run.sources);
  const sources = [...own, ...(phase === 'baseline' ? [] : (p.baselines.get(region) ?? []))];
  const done = Promise.all(runs.map((run) => run.done));
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  // Gates throughout: evaluate what has arrived every interval; a failure ends the phase at once.
  while (everyMs !== undefined && !finished) {
    await Promise.race([sleep(everyMs), done]);
    if (finished) break;
    const partial = await judgeRun({ sources: sources.filter((f) => existsSync(f)), gates });
    if (partial.verdict.kind === 'rollback') {
      p.io.err(`  ${phase}: a gate failed ${Math.round((Date.now() - p.startedAt) / 1000)} s into the run; stopping early`);
      for (const run of runs) run.stop();
      break;
    }
  }
  await done;
  if (phase === 'baseline') p.baselines.set(region, own);
  const serverSide = await serverSideJudgement(p, phase, region, name, phaseStart);
  sources.push(...serverSide.sources);
  gates.push(...serverSide.gates);
  const outcome = await judgeRun({ sources: sources.filter((f) => existsSync(f)), gates });
  return { results: outcome.results, sources, gates };
}

/**
 * After the deploy, with `rollout.comparison.serverSide`: every region's server-side latency over the phase, read
 * from CloudWatch in its region and kept in the run folder, and the gate comparing the region with the others on it.
 */
async function serverSideJudgement(p: PhaseContext, phase: WavePhase, region: string, name: string, start: number) {
  const r = p.config.rollout;
  const others = p.config.regions.map((x) => x.name).filter((x) => x !== region);
  const gates = serverSideGates(r, region, others, phase);
  if (!r.comparison.serverSide || gates.length === 0) return { sources: [], gates: [] };
  const file = join(p.runDir, `${name}-server-side.ndjson`);
  const window = { start, end: Date.now() };
  const counts = await recordServerSide(r.comparison.serverSide, [region, ...others], p.cloudwatch, window, phase, file);
  p.io.err(
    `  ${phase}: server-side ${r.comparison.serverSide.metricName} datapoints: ${Object.entries(counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  return { sources: [file], gates };
}

/** Pure: the rollout's result as a verdict. */
export function rolloutVerdict(result: RolloutResult): Verdict {
  if (result.kind === 'approved') return { kind: 'approve' };
  const reasons = result.reasons.map((message) => ({
    gate: 'rollout',
    measure: `wave ${result.wave.index}`,
    groupLabel: result.wave.region,
    message,
  }));
  return result.kind === 'rolled-back' ? { kind: 'rollback', reasons } : { kind: 'inconclusive', reasons };
}

/** Pure: the one-line summary of a rollout. */
export function rolloutSummary(version: string, result: RolloutResult): string {
  const by = (s: string) => result.waves.filter((w) => w.status === s).map((w) => w.wave.region);
  const untouched = by('untouched');
  if (result.kind === 'approved')
    return `Rollout ${version}: APPROVED in ${by('approved').join(', ')}${by('skipped').length ? ` (skipped: ${by('skipped').join(', ')})` : ''}${untouched.length ? `; not in this run: ${untouched.join(', ')}` : ''}`;
  // A wave still untouched when the run ended was halted before its deploy: its steady state did not hold.
  const halted = result.waves.find((w) => w.wave.index === result.wave.index)?.status === 'untouched';
  const head = halted
    ? `${result.kind === 'rolled-back' ? 'FAILED' : 'INCONCLUSIVE'}, nothing deployed`
    : result.kind === 'rolled-back'
      ? 'ROLLED BACK'
      : 'INCONCLUSIVE, rolled back';
  return `Rollout ${version}: ${head} at wave ${result.wave.index} (${result.wave.region})${by('approved').length ? `; approved: ${by('approved').join(', ')}` : ''}${untouched.length ? `; untouched: ${untouched.join(', ')}` : ''}`;
}

/** Pure: how long a wave's deploy may stay unjudged before the dead man's switch rolls it back (its phases, with slack). */
export function waveDeadlineMs(config: CrosswindConfig): number {
  const r = config.rollout;
  return (
    2 * r.hooks.timeout + r.weightSteps.length * r.weightStepDuration + r.trafficDuration + r.bakeDuration + config.chaos.faultDeadline
  );
}

/**
 * The rollout's changes to the world, each through the fault ledger: a deploy (intent with the rollback hook first,
 * kept once its wave is approved, undone by the rollback hook) and the DNS weight steps.
 */
function ledgerChanges(
  session: FaultSession,
  config: CrosswindConfig,
): Pick<RolloutWorld, 'deploy' | 'rollBack' | 'keep' | 'shiftWeight' | 'restoreWeights'> {
  const r = config.rollout;
  const open = (kind: string, region: string) =>
    session
      .openFaults()
      .filter((f) => f.intent.fault.kind === kind && f.intent.fault.region === region)
      .reverse();
  const hook = async (run: () => Promise<unknown>): Promise<HookResult> => {
    const started = Date.now();
    try {
      await run();
      return { kind: 'ok', durationMs: Date.now() - started, output: [] };
    } catch (err) {
      if (err instanceof HookFailedError) return err.result;
      throw err;
    }
  };
  return {
    deploy: (env) =>
      hook(() =>
        session.apply({
          kind: 'deploy',
          region: env.REGION,
          version: env.VERSION,
          previousVersion: env.PREVIOUS_VERSION,
          deploy: r.hooks.deploy as string,
          rollback: r.hooks.rollback as string,
          timeoutMs: r.hooks.timeout,
          deadlineMs: waveDeadlineMs(config),
        }),
      ),
    rollBack: (env) =>
      hook(async () => {
        for (const f of open('deploy', env.REGION)) await session.undo(f.intent.id, 'wave rolled back');
      }),
    async keep(region) {
      for (const f of open('deploy', region)) await session.keep(f.intent.id, 'wave approved');
    },
    async shiftWeight(region, percent) {
      await session.apply({ kind: 'shift-weight', region, percent });
    },
    async restoreWeights(region) {
      for (const f of open('shift-weight', region)) await session.undo(f.intent.id, 'wave done');
    },
  };
}

/**
 * `crosswind rollout`: the state machine driven with the hooks, the regions' version endpoint, the synthetics
 * regional probe as traffic, the validations gates (error rate, latency, comparison against the regions not yet
 * deployed), and the chaos weight shifts, all inside one fault session so weights are restored whatever happens.
 */
export async function rolloutCommand(c: RolloutCommand): Promise<RunReport> {
  const { config, plan, io } = c;
  const r = config.rollout;
  const startedAt = Date.now();
  const endpoint = new Map(config.regions.map((x) => [x.name, x.endpoint]));
  const allResults: GateResult[] = [];
  const judged: RecordedJudgement[] = [];
  for (const line of [`Rollout ${plan.version}: ${plan.waves.map((w) => w.region).join(' -> ')}`]) io.out(line);
  // The session's AWS clients; the server-side comparison reads each region's CloudWatch through them too.
  const clients = chaosClients(config.aws);
  const outcome = await withFaultSession(
    {
      config,
      clients,
      mode: 'rollout',
      root: c.root,
      handleSignals: true,
      confirm: defaultConfirm({ yes: c.yes }),
      log: (l) => io.err(l),
      checkpoint: checkpointsFromEnv(),
      preflight: (clients) => preflight(config, rolloutNeeds(config, plan), awsResolver(clients), { cwd: process.cwd(), env: process.env }),
    },
    async (session) => {
      const runDir = session.runDir as string;
      let runs = 0;
      // Each region's pre-deploy traffic, what its deployed version is compared with.
      const baselines = new Map<string, string[]>();
      const world: RolloutWorld = {
        ...ledgerChanges(session, config),
        readVersion: async (region) => (r.versionPath ? readVersion(endpoint.get(region) as string, r.versionPath) : undefined),
        judge: (phase, region, durationMs, everyMs) =>
          judgePhase(
            { config, runDir, session, io, k6: c.k6, baselines, startedAt, runs: ++runs, cloudwatch: clients.cloudwatch },
            phase,
            region,
            durationMs,
            everyMs,
          ).then((out) => {
            allResults.push(...out.results.map((g) => ({ ...g, gate: `${region} ${phase}: ${g.gate}` })));
            judged.push({ label: `${region} ${phase}`, sources: out.sources, gates: out.gates });
            return { gates: out.results.map((g) => ({ status: g.status, line: g.reason })) };
          }),
        log: (line) => io.out(line),
        interrupted: () => session.signal.aborted,
      };
      const effects = rolloutEffects(plan, world, { previousVersion: c.previousVersion, strict: c.strict });
      const result = await runRollout(plan, effects);
      return { result, runDir, previous: Object.fromEntries(effects.previous) };
    },
  );
  io.out(rolloutSummary(plan.version, outcome.result));
  return finishRun({
    io,
    config,
    runDir: outcome.runDir,
    mode: 'rollout',
    startedAt,
    title: `Rollout ${plan.version}`,
    judgement: { verdict: rolloutVerdict(outcome.result), results: allResults },
    judged,
    extra: {
      version: plan.version,
      previousVersions: outcome.previous,
      waves: outcome.result.waves.map((w) => ({ index: w.wave.index, region: w.wave.region, status: w.status, reasons: w.reasons })),
    },
  });
}
