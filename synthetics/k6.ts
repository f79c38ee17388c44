// The Node side of the synthetics: writes the run plan, runs the pinned k6 on a scenario with NDJSON output and an
// exported summary, streams the points while k6 runs, forwards Ctrl-C and SIGTERM, and says how the run ended.
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isSecretVariable } from '../config/redact.ts';
import { type ChildOutcome, type SpawnFn, spawnChild } from '../core/child-process.ts';
import { InfrastructureError } from '../core/errors.ts';
import type { K6Point } from '../core/k6-output.ts';
import { packageRoot } from '../core/package-root.ts';
import { defaultK6 } from './k6-binary.ts';
import { type K6RunFiles, type K6RunResult, type K6Summary, k6RunResult } from './k6-result.ts';
import { PLAN_ENV, type RunPlan, type ScenarioName } from './plan.ts';
import { withRecordTtl } from './record-ttl.ts';
import { tailPoints } from './tail-points.ts';
import { byNamespace, inNetns, startVantageRuns } from './vantage-runs.ts';

export { buildPlan, type PlanOverrides } from './build-plan.ts';
export { findK6, type K6Binary } from './k6-binary.ts';
export type { K6RunFiles, K6RunKind, K6RunResult, K6Summary } from './k6-result.ts';
export type { RunPlan, ScenarioName } from './plan.ts';
export { combineRuns } from './vantage-runs.ts';

/** How the launcher starts a process; `child_process.spawn` by default, replaceable in tests. */
export type SpawnLike = SpawnFn;

/** Where process signals come from; `process` by default. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface StartK6RunOptions {
  plan: RunPlan;
  /** The run folder; k6's files go to `<runDir>/k6/`. */
  runDir: string;
  /** File stem under `<runDir>/k6/`; default the scenario name. Give each run in one folder its own. */
  name?: string;
  /** The k6 script; default `synthetics/scenarios/<scenario>.ts`. */
  script?: string;
  /** The k6 executable. Default: CROSSWIND_K6, else k6 on PATH (version-checked once per process). */
  k6Path?: string;
  /** Extra environment for k6 (on top of this process's). */
  env?: Record<string, string>;
  /** Aborting asks k6 to stop (SIGINT: it ends gracefully and still writes its summary). */
  signal?: AbortSignal;
  /** After a stop request, SIGKILL k6 if it has not exited within this. Default 15 s. */
  killAfterMs?: number;
  /** How often the live stream looks for new points. Default 100 ms. */
  pollIntervalMs?: number;
  /** The metrics the live stream yields (the rest is skipped unparsed). Default: every metric. */
  liveMetrics?: readonly string[];
  spawn?: SpawnLike;
  /**
   * Run k6 inside this Linux network namespace (`ip netns exec`). Default: the namespace of the plan's vantages;
   * vantages in different namespaces get one k6 each (see `startK6Run`).
   */
  netns?: string;
  /** Signals forwarded to k6 while it runs (SIGINT, SIGTERM, SIGHUP); `null` forwards none. Default `process`. */
  signals?: SignalSource | null;
}

export interface K6Run {
  /**
   * The run's points as k6 writes them. Each iteration starts from the first point and ends when k6 has exited
   * and every point is read; several consumers may iterate independently.
   */
  points: AsyncIterable<K6Point>;
  /** How the run ended; rejects only when k6 could not be started. */
  done: Promise<K6RunResult>;
  files: K6RunFiles;
  /** Every NDJSON file of the run: one, or one per vantage namespace when k6 ran in several. */
  sources: string[];
  /** Asks k6 to stop early, as Ctrl-C would. */
  stop(): void;
}

// The scenarios ship as TypeScript sources that k6 runs itself, in the package's synthetics/ folder (beside dist/).
const SCENARIOS_DIR = join(packageRoot(), 'synthetics', 'scenarios');
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const STDERR_TAIL = 8192;

/** The script of a scenario. */
export function scenarioScript(scenario: ScenarioName): string {
  return join(SCENARIOS_DIR, `${scenario}.ts`);
}

/** The files of run `name` in `runDir`. */
export function k6RunFiles(runDir: string, name: string): K6RunFiles {
  const dir = join(resolve(runDir), 'k6');
  return {
    plan: join(dir, `${name}.plan.json`),
    ndjson: join(dir, `${name}.ndjson`),
    summary: join(dir, `${name}-summary.json`),
    log: join(dir, `${name}.log`),
  };
}

/**
 * k6's command line. `--no-usage-report`: k6 sends nothing anywhere but the targets. `--quiet`: no progress bars
 * in the log.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#summary-export
 */
export function k6Args(files: K6RunFiles, script: string): string[] {
  return ['run', '--quiet', '--no-color', '--no-usage-report', '--out', `json=${files.ndjson}`, '--summary-export', files.summary, script];
}

async function readSummary(file: string): Promise<K6Summary | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as K6Summary;
  } catch {
    return undefined;
  }
}

function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !isSecretVariable(k)));
}

/**
 * Starts k6 on a scenario with its plan. Returns at once: the points stream live, `done` settles when k6 exits.
 * @example
 * const run = await startK6Run({ plan: buildPlan(config, { scenario: 'global-traffic' }), runDir });
 * for await (const p of run.points) if (p.metric === 'request_failed') watch(p);
 * const result = await run.done; // result.kind: 'ok' | 'thresholds-failed' | ...
 */
export async function startK6Run(options: StartK6RunOptions): Promise<K6Run> {
  const plan = await withRecordTtl(options.plan, options.netns ?? options.plan.vantages[0]?.netns);
  const groups = byNamespace(plan.vantages);
  if (options.netns !== undefined || groups.length <= 1) {
    const netns = options.netns ?? groups[0]?.netns;
    return startOneK6Run({ ...options, plan, ...(netns ? { netns } : {}) });
  }
  return startVantageRuns({ ...options, plan }, groups, startOneK6Run);
}

/** One k6 process (inside `options.netns` when given). */
async function startOneK6Run(options: StartK6RunOptions): Promise<K6Run> {
  const name = options.name ?? options.plan.scenario;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new InfrastructureError(`run name "${name}" must be letters, digits, ".", "_" or "-"`);
  const files = k6RunFiles(options.runDir, name);
  await mkdir(join(resolve(options.runDir), 'k6'), { recursive: true });
  await writeFile(files.plan, `${JSON.stringify(options.plan, null, 2)}\n`);
  const k6 = options.k6Path ?? (await defaultK6()).path;
  const script = options.script ?? scenarioScript(options.plan.scenario);
  const signals = options.signals === undefined ? process : options.signals;
  const log = createWriteStream(files.log);
  let stderrTail = '';

  // Its own process group, bound to crosswind's life: a terminal's Ctrl-C reaches only us, and we forward it once (a
  // second SIGINT makes k6 stop hard, without its summary); if crosswind dies, k6 dies with it.
  const command = options.netns ? inNetns(options.netns, k6, k6Args(files, script)) : { command: k6, args: k6Args(files, script) };
  const child = spawnChild(command.command, command.args, {
    // k6 sends synthetic traffic and needs no credential: the AWS keys and other secrets stay out of its reach.
    env: { ...withoutSecrets(process.env), ...options.env, [PLAN_ENV]: files.plan, K6_NO_USAGE_REPORT: 'true' },
    stopSignal: 'SIGINT',
    killAfterMs: options.killAfterMs ?? 15_000,
    signal: options.signal,
    keepLines: 0,
    onData(chunk, stream) {
      log.write(chunk);
      if (stream === 'stderr') stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
    },
    ...(options.spawn ? { spawn: options.spawn } : {}),
  });
  // k6 stops gracefully on SIGINT and SIGTERM; a hang-up reaches it as SIGINT.
  const forwarders = FORWARDED.map((sig) => [sig, () => child.stop(sig === 'SIGHUP' ? 'SIGINT' : sig)] as const);
  for (const [sig, fn] of forwarders) signals?.on(sig, fn);
  const exit = child.done.then((o) => {
    for (const [sig, fn] of forwarders) signals?.off(sig, fn);
    return o;
  });
  const done = exit.then((o) => k6Outcome(o, { k6, files, log, stderrTail: () => stderrTail }));
  // A caller that only iterates the points must not see an unhandled rejection; `done` still rejects for them.
  done.catch(() => {});

  const metrics = options.liveMetrics ? new Set(options.liveMetrics) : undefined;
  const points: AsyncIterable<K6Point> = {
    [Symbol.asyncIterator]: () =>
      tailPoints(files.ndjson, { finished: () => child.exited, exited: exit, pollIntervalMs: options.pollIntervalMs, metrics }),
  };
  return { points, done, files, sources: [files.ndjson], stop: () => child.stop('SIGINT') };
}

/** How a k6 process ended, as a run result; a k6 that never started is an infrastructure error. */
async function k6Outcome(
  o: ChildOutcome,
  c: { k6: string; files: K6RunFiles; log: ReturnType<typeof createWriteStream>; stderrTail: () => string },
): Promise<K6RunResult> {
  await new Promise<void>((r) => c.log.end(r));
  if (o.startError) throw new InfrastructureError(`cannot start k6 (${c.k6}): ${o.startError.message}`, { cause: o.startError });
  const summary = await readSummary(c.files.summary);
  const base = {
    exitCode: o.code,
    signal: o.signal,
    files: c.files,
    durationMs: o.durationMs,
    stderrTail: c.stderrTail(),
    ...(summary ? { summary } : {}),
  };
  return k6RunResult(base, o.stopped);
}
