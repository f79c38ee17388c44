import { hostname } from 'node:os';
import type { Command } from 'commander';
import { awsRegion } from '../../config/allowlist.ts';
import { readDuration } from '../../config/duration.ts';
import { findExecutable } from '../../core/child-process.ts';
import { ConfigError, type ConfigProblem, ExitCode, InfrastructureError } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { parseS3Url, type S3Location, segmentArgs } from '../../synthetics/runner/layout.ts';
import { runnerS3Options, s3ResultStore } from '../../synthetics/runner/store.ts';

interface RunnerFlags {
  archive?: string;
  results?: string;
  resultsRegion?: string;
  vantage?: string;
  id?: string;
  part?: string;
  deadline?: string;
  chunkInterval?: string;
  timeServer?: string;
  k6?: string;
}

/** What a runner needs, from its flags or (a k6-operator pod, whose command k6-operator writes) its environment. */
export interface RunnerSettings {
  archive?: S3Location;
  results: S3Location;
  resultsRegion?: string;
  vantage: string;
  id: string;
  part?: { index: number; count: number };
  deadline: number;
  chunkIntervalMs: number;
  timeServer?: string;
  k6: string;
  k6Args: string[];
}

/** Hard stop: this long after its deadline a runner exits whatever it is still waiting for (an upload that hangs). */
const HARD_EXIT_AFTER_DEADLINE_MS = 20_000;

/**
 * A k6-operator runner's id, `<vantage>-<n>`, from the `--tag instance_id=<n>` k6-operator gives each runner (1 to
 * parallelism), so its results folder is known before the pod exists.
 */
function instanceId(vantage: string, k6Args: string[]): string | undefined {
  const i = k6Args.findIndex((a, j) => a === '--tag' && /^instance_id=\d+$/.test(k6Args[j + 1] ?? ''));
  return i < 0 ? undefined : `${vantage}-${(k6Args[i + 1] as string).split('=')[1]}`;
}

/** A time given as ISO 8601 or ms since the epoch. */
function instant(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Pure: the settings, or every problem with the flags and environment at once (exit 2 before any AWS call). */
export function runnerSettings(flags: RunnerFlags, k6Args: string[], env: NodeJS.ProcessEnv, now: number): RunnerSettings {
  const problems: ConfigProblem[] = [];
  const pick = (flag: string | undefined, name: string) => flag ?? env[name];
  const results = pick(flags.results, 'CROSSWIND_RUNNER_RESULTS');
  const resultsAt = results ? parseS3Url(results) : undefined;
  if (!resultsAt)
    problems.push({
      path: '--results',
      message: `expected s3://bucket/prefix (or CROSSWIND_RUNNER_RESULTS), got ${JSON.stringify(results ?? '')}`,
    });
  const archive = flags.archive ? parseS3Url(flags.archive) : undefined;
  if (flags.archive && !archive)
    problems.push({ path: '--archive', message: `expected s3://bucket/key, got ${JSON.stringify(flags.archive)}` });
  if (!flags.archive && k6Args.length === 0)
    problems.push({ path: '--archive', message: 'expected --archive, or the k6 arguments to run after --' });
  if (flags.archive && k6Args.length > 0)
    problems.push({ path: '--archive', message: 'expected --archive or k6 arguments after --, not both' });
  const vantage = pick(flags.vantage, 'CROSSWIND_RUNNER_VANTAGE');
  if (!vantage) problems.push({ path: '--vantage', message: 'expected the vantage this runner drives (or CROSSWIND_RUNNER_VANTAGE)' });
  const deadlineText = pick(flags.deadline, 'CROSSWIND_RUNNER_DEADLINE');
  const deadline = deadlineText ? instant(deadlineText) : undefined;
  if (deadline === undefined)
    problems.push({
      path: '--deadline',
      message: `expected an ISO 8601 time or ms since the epoch (or CROSSWIND_RUNNER_DEADLINE), got ${JSON.stringify(deadlineText ?? '')}`,
    });
  else if (deadline <= now)
    problems.push({ path: '--deadline', message: `${new Date(deadline).toISOString()} has passed: the runner may no longer start` });
  const interval = readDuration(pick(flags.chunkInterval, 'CROSSWIND_CHUNK_INTERVAL') ?? '5s');
  if ('problem' in interval) problems.push({ path: '--chunk-interval', message: interval.problem });
  const region = pick(flags.resultsRegion, 'CROSSWIND_RESULTS_REGION');
  if (region !== undefined && !awsRegion.safeParse(region).success)
    problems.push({ path: '--results-region', message: `expected an AWS region, got ${JSON.stringify(region)}` });
  let part: RunnerSettings['part'];
  if (flags.part !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flags.part);
    const [index, count] = m ? [Number(m[1]) - 1, Number(m[2])] : [-1, 0];
    if (!m || index < 0 || index >= count)
      problems.push({ path: '--part', message: `expected <n>/<count> with 1 <= n <= count, got ${JSON.stringify(flags.part)}` });
    else part = { index, count };
  }
  const k6 = flags.k6 ?? env.CROSSWIND_K6 ?? findExecutable('k6', env);
  if (!k6) problems.push({ path: '--k6', message: 'no k6 on PATH: pass --k6 /path/to/k6 or set CROSSWIND_K6' });
  if (problems.length) throw new ConfigError(problems);
  const timeServer = pick(flags.timeServer, 'CROSSWIND_TIME_SERVER');
  return {
    ...(archive ? { archive } : {}),
    results: resultsAt as S3Location,
    ...(region ? { resultsRegion: region } : {}),
    vantage: vantage as string,
    id: flags.id ?? instanceId(vantage as string, k6Args) ?? env.CROSSWIND_RUNNER ?? hostname(),
    ...(part ? { part } : {}),
    deadline: deadline as number,
    chunkIntervalMs: (interval as { ms: number }).ms,
    ...(timeServer ? { timeServer } : {}),
    k6: k6 as string,
    k6Args,
  };
}

/** The ECS task this runs as, from the task metadata endpoint ECS gives every container; undefined elsewhere. */
async function ecsTask(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const uri = env.ECS_CONTAINER_METADATA_URI_V4;
  if (!uri) return undefined;
  try {
    const res = await fetch(`${uri}/task`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { TaskARN?: string }).TaskARN;
  } catch {
    return undefined;
  }
}

/**
 * `crosswind runner`: the program a remote vantage runs (crosswind's runner image on ECS, in a k6-operator pod, or a
 * sandbox task): k6 on its vantage's archive, its NDJSON streamed to S3 in chunks with a manifest, stopped at its
 * deadline whatever happens. Exits 0 when k6 ran (its own exit code is in the manifest), 3 when it could not run or
 * failed.
 */
export function register(command: Command, io: CliIo): void {
  command
    .option('--archive <s3-url>', 'the k6 archive to run (s3://bucket/key)')
    .option(
      '--results <s3-url>',
      'the run\u2019s runners folder; this runner writes to <folder>/<id> (s3://bucket/prefix; env CROSSWIND_RUNNER_RESULTS)',
    )
    .option('--results-region <region>', 'the results bucket\u2019s region (env CROSSWIND_RESULTS_REGION; default AWS_REGION)')
    .option('--vantage <name>', 'the vantage this runner drives (env CROSSWIND_RUNNER_VANTAGE)')
    .option('--id <id>', 'this runner\u2019s id in the manifest (env CROSSWIND_RUNNER; default the host name)')
    .option('--part <n/count>', 'run part n of count of the vantage\u2019s load (a k6 execution segment)')
    .option('--deadline <time>', 'stop k6 and exit at this time, ISO 8601 or ms since the epoch (env CROSSWIND_RUNNER_DEADLINE)')
    .option('--chunk-interval <duration>', 'how often to upload new lines and the heartbeat (env CROSSWIND_CHUNK_INTERVAL; default 5s)')
    .option('--time-server <host[:port]>', 'NTP server to measure the clock offset against (env CROSSWIND_TIME_SERVER)')
    .option('--k6 <path>', 'the k6 executable (env CROSSWIND_K6; default k6 on PATH)')
    .argument('[k6-args...]', 'instead of --archive: the k6 arguments to run (`-- run ...`, as k6-operator starts its runners)')
    .action(async (k6Args: string[], flags: RunnerFlags) => {
      const s = runnerSettings(flags, k6Args, process.env, Date.now());
      const { runRunner } = await import('../../synthetics/runner/runner.ts');
      const store = s3ResultStore(s.results.bucket, runnerS3Options(process.env, s.resultsRegion));
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, onSignal);
      const hard = setTimeout(
        () => process.exit(ExitCode.infrastructure),
        Math.max(0, s.deadline - Date.now()) + HARD_EXIT_AFTER_DEADLINE_MS,
      );
      hard.unref();
      try {
        const task = await ecsTask(process.env);
        const segment = s.part ? segmentArgs(s.part.index, s.part.count) : [];
        const outcome = await runRunner({
          store,
          resultsKey: `${s.results.key}/${s.id}`,
          work: s.archive
            ? {
                archive: {
                  store:
                    s.archive.bucket === s.results.bucket
                      ? store
                      : s3ResultStore(s.archive.bucket, runnerS3Options(process.env, s.resultsRegion)),
                  key: s.archive.key,
                },
                segment,
              }
            : { k6Args: s.k6Args },
          id: s.id,
          vantage: s.vantage,
          ...(segment.length ? { segment: segment[1] as string } : {}),
          ...(task ? { task } : {}),
          deadline: s.deadline,
          chunkIntervalMs: s.chunkIntervalMs,
          ...(s.timeServer ? { timeServer: s.timeServer } : {}),
          k6: s.k6,
          log: (line) => io.err(line),
          signal: controller.signal,
        });
        // The manifest says how k6 ended; the exit code says whether the runner did its job.
        if (outcome.reason === 'failed' || (outcome.reason === 'finished' && outcome.exitCode !== 0 && outcome.exitCode !== 99))
          throw new InfrastructureError(
            `runner ${s.id}: k6 ${outcome.reason === 'failed' ? 'could not run' : `exited ${outcome.exitCode}`}${outcome.manifest.end?.detail ? ` (${outcome.manifest.end.detail})` : ''}`,
          );
      } finally {
        for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(sig, onSignal);
        store.close();
      }
    });
}
