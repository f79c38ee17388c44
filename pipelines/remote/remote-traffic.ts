import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CrosswindConfig } from '../../config/schema.ts';
import { archiveKey, runKey, s3Url } from '../../synthetics/runner/layout.ts';
import type { ResultStore } from '../../synthetics/runner/store.ts';
import type { RunnerLauncher } from './ecs-launcher.ts';
import type { PointChannel } from './point-channel.ts';
import { RunnerFollower, type RunnerProblem } from './runner-follower.ts';
import type { RemoteRunnerPlan, TrafficPlan } from './traffic-plan.ts';

// The remote runners of one traffic run: an archive per vantage uploaded, one runner started per execution segment,
// every runner followed through the bucket until it has written its final manifest, and each one's NDJSON merged
// into the run folder on the orchestrator's clock. Nothing here judges: the problems it records make the gates of the
// vantages they name inconclusive (validations/evidence-gaps.ts).

export interface RemoteTrafficOptions {
  config: CrosswindConfig;
  plan: TrafficPlan;
  /** The run folder; merged files go to `<runDir>/k6/<name>.<runner>.ndjson`. */
  runDir: string;
  /** File stem, as a local run's (`global-traffic`). */
  name: string;
  store: ResultStore;
  /** The k6 archive of one vantage's traffic, for one client profile (the plan and scenario, built with `k6 archive`). */
  archive(vantage: string, profile: string | undefined): Promise<Uint8Array>;
  launcher(runner: RemoteRunnerPlan): RunnerLauncher;
  points: PointChannel;
  /** The metrics whose points are handed on live (the rest is only merged into the run folder). */
  liveMetrics: ReadonlySet<string>;
  log: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** One runner as the run ends: where its data is and how far it can be trusted. */
export interface RemoteRunnerRecord {
  id: string;
  vantage: string;
  file: string;
  chunks: number;
  lines: number;
  clockOffsetMs: number | null;
  clockUncertaintyMs: number | null;
  end: string | null;
  k6: string | null;
  task: string | null;
}

export interface RemoteOutcome {
  runners: RemoteRunnerRecord[];
  problems: RunnerProblem[];
  /** Merged NDJSON files that hold points. */
  files: string[];
}

export interface RemoteTraffic {
  /** Resolves once every runner has started k6, or has been given up on. */
  ready: Promise<void>;
  /** Stops every runner (through the ledger); the outcome follows once their last chunks are in. */
  stop(reason: string): Promise<void>;
  /** The merged files that hold points so far (growing while the runners run). */
  files(): string[];
  /**
   * Resolves once every runner still sending has uploaded what k6 wrote up to `until` (its heartbeat, on this clock,
   * is past it), or after `timeoutMs`: a judgement of the traffic so far then reads every vantage alike.
   */
  caughtUp(until: number, timeoutMs: number): Promise<void>;
  done: Promise<RemoteOutcome>;
}

/** Pure: the archive a runner runs: its vantage's, for its client profile. */
function archiveName(r: RemoteRunnerPlan): string {
  return r.profile ? `${r.vantage}.${r.profile}` : r.vantage;
}

/** Pure: the runner's command (the container's, after the image's `crosswind` entry point). */
export function runnerCommand(o: {
  archive: string;
  results: string;
  resultsRegion: string;
  runner: RemoteRunnerPlan;
  deadline: number;
  chunkIntervalMs: number;
  timeServer: string;
}): string[] {
  const { runner } = o;
  return [
    'runner',
    '--archive',
    o.archive,
    '--results',
    o.results,
    '--results-region',
    o.resultsRegion,
    '--vantage',
    runner.vantage,
    '--id',
    runner.id,
    ...(runner.part.count > 1 ? ['--part', `${runner.part.index + 1}/${runner.part.count}`] : []),
    '--deadline',
    new Date(o.deadline).toISOString(),
    '--chunk-interval',
    `${o.chunkIntervalMs}ms`,
    '--time-server',
    o.timeServer,
  ];
}

/** Uploads the archives and starts every runner; follows them from then on. */
export async function startRemoteTraffic(o: RemoteTrafficOptions): Promise<RemoteTraffic> {
  const now = o.now ?? Date.now;
  const r = o.config.distributed.runners;
  const bucket = r.results.bucket as string;
  const run = runKey(r.results.prefix, o.config.project, `${o.runDir.split('/').pop() ?? 'run'}`);
  await mkdir(join(o.runDir, 'k6'), { recursive: true });
  const followers = o.plan.remote.map(
    (runner) =>
      new RunnerFollower(runner, {
        store: o.store,
        run,
        file: join(o.runDir, 'k6', `${o.name}.${runner.id}.ndjson`),
        silenceMs: r.silenceTimeout,
        maxClockUncertaintyMs: r.maxClockUncertainty,
        now,
        onPoint: (p) => o.points.push(p),
        liveMetrics: o.liveMetrics,
        log: o.log,
      }),
  );
  const archived = new Set<string>();
  for (const r of o.plan.remote) {
    const name = archiveName(r);
    if (archived.has(name)) continue;
    archived.add(name);
    await o.store.put(archiveKey(run, name), await o.archive(r.vantage, r.profile), 'application/x-tar');
  }
  const deadline = now() + o.plan.deadlineAfterMs;
  const launchers = new Map<RemoteRunnerPlan['runner']['kind'], RunnerLauncher>();
  const failed = new Set<RunnerFollower>();
  const startedAt = now();
  for (const f of followers) {
    const launcher = launchers.get(f.plan.runner.kind) ?? o.launcher(f.plan);
    launchers.set(f.plan.runner.kind, launcher);
    const command = runnerCommand({
      archive: s3Url({ bucket, key: archiveKey(run, archiveName(f.plan)) }),
      results: s3Url({ bucket, key: `${run}/runners` }),
      resultsRegion: r.results.region ?? o.config.aws.controlRegion,
      runner: f.plan,
      deadline,
      chunkIntervalMs: r.chunkInterval,
      timeServer: r.timeServer,
    });
    try {
      await launcher.start(f.plan, command, deadline);
    } catch (err) {
      failed.add(f);
      f.problem('start', `could not be started: ${(err as Error).message}`);
    }
  }
  o.log(`remote runners: ${followers.length - failed.size} of ${followers.length} started; results in ${s3Url({ bucket, key: run })}`);
  return followFleet({ o, followers, failed, launchers: [...launchers.values()], startedAt, run });
}

interface Fleet {
  o: RemoteTrafficOptions;
  followers: RunnerFollower[];
  failed: Set<RunnerFollower>;
  launchers: RunnerLauncher[];
  startedAt: number;
  run: string;
}

/** The follow loop: polls every runner until each has finished or been given up on after the stop. */
function followFleet(fleet: Fleet): RemoteTraffic {
  const { o, followers, failed, launchers } = fleet;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const r = o.config.distributed.runners;
  const pollMs = Math.min(r.chunkInterval, 1000);
  let stopAt: number | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const pending = () => followers.filter((f) => !failed.has(f) && !f.finished);
  const loop = async (): Promise<void> => {
    for (let round = 0; ; round++) {
      await Promise.all(
        pending().map((f) =>
          f.poll().catch((err: unknown) => o.log(`runner ${f.plan.id}: reading its results failed: ${(err as Error).message}`)),
        ),
      );
      for (const f of pending()) {
        if (!f.live && now() - fleet.startedAt > r.startTimeout) {
          failed.add(f);
          f.problem('start', `did not start k6 within ${Math.round(r.startTimeout / 1000)} s of being started`);
        }
      }
      if (followers.every((f) => failed.has(f) || f.live || f.finished)) markReady();
      if (round % 5 === 4) await checkEnded(fleet, stopAt);
      if (pending().length === 0) break;
      if (stopAt !== undefined && now() - stopAt > r.stopTimeout) {
        for (const f of pending())
          f.problem(
            'incomplete',
            `wrote no final manifest within ${Math.round(r.stopTimeout / 1000)} s of the stop: its last ${Math.round(r.chunkInterval / 1000)} s or more are missing`,
          );
        break;
      }
      await sleep(pollMs);
    }
    markReady();
    for (const f of followers) if (f.finished) earlyEnd(f, stopAt, r.chunkInterval);
  };
  const done = (async (): Promise<RemoteOutcome> => {
    await loop();
    for (const l of launchers) l.close();
    const records = followers.map(recordOf);
    await writeFile(
      join(o.runDir, 'k6', `${o.name}.runners.json`),
      `${JSON.stringify({ run: fleet.run, runners: records, manifests: followers.map((f) => f.manifest ?? null) }, null, 2)}\n`,
    );
    return {
      runners: records,
      problems: followers.flatMap((f) => f.problems),
      files: followers.filter((f) => f.chunksRead > 0).map((f) => recordOf(f).file),
    };
  })();
  return {
    ready,
    files: () => followers.filter((f) => f.chunksRead > 0).map((f) => f.file),
    async caughtUp(until, timeoutMs) {
      // k6 flushes its JSON output about once a second: a heartbeat a second past `until` holds every line up to it.
      const behind = () => pending().filter((f) => !f.manifest || f.manifest.updatedAt + f.offsetMs < until + 1000);
      const giveUp = now() + timeoutMs;
      while (behind().length > 0 && now() < giveUp) await sleep(Math.min(pollMs, 200));
    },
    async stop(reason) {
      stopAt ??= now();
      for (const l of launchers) await l.stop(reason);
    },
    done,
  };
}

/**
 * A runner whose task ended before it finished writing, while the traffic was still needed, has stopped early (read
 * from the platform every few rounds). After the stop, a task is given `stopTimeout` to write its last chunk whatever
 * the platform says about it (ECS may report STOPPED before the container has finished).
 */
async function checkEnded(fleet: Fleet, stopAt: number | undefined): Promise<void> {
  if (stopAt !== undefined) return;
  const ended = new Map<string, string>();
  for (const l of fleet.launchers) {
    for (const [id, why] of await l.ended().catch(() => new Map<string, string>())) ended.set(id, why);
  }
  for (const f of fleet.followers) {
    const why = ended.get(f.plan.id);
    if (!why || f.finished || fleet.failed.has(f)) continue;
    // Give a stopped task one more round to have its final manifest read.
    await f.poll().catch(() => {});
    if (f.finished) continue;
    fleet.failed.add(f);
    f.problem(
      stopAt === undefined ? 'early-stop' : 'incomplete',
      `${why} before its final manifest${stopAt === undefined ? ', while the traffic was still needed' : ''}`,
    );
  }
}

/** A runner that ended by itself before the traffic was stopped left a gap at the end of its vantage's traffic. */
function earlyEnd(f: RunnerFollower, stopAt: number | undefined, slackMs: number): void {
  const end = f.manifest?.end;
  if (!end || end.reason === 'stopped') return;
  const endedAt = end.endedAt + f.offsetMs;
  if (stopAt !== undefined && endedAt >= stopAt - slackMs) return;
  f.problem(
    end.reason === 'failed' ? 'start' : 'early-stop',
    `ended by itself (${end.reason}${end.detail ? `: ${end.detail}` : ''}) at ${new Date(endedAt).toISOString()}, before the traffic was stopped`,
  );
}

function recordOf(f: RunnerFollower): RemoteRunnerRecord {
  const m = f.manifest;
  return {
    id: f.plan.id,
    vantage: f.plan.vantage,
    file: f.file,
    chunks: f.chunksRead,
    lines: f.linesRead,
    clockOffsetMs: m?.clock.start?.offsetMs ?? null,
    clockUncertaintyMs: m?.clock.start?.uncertaintyMs ?? null,
    end: m?.end ? `${m.end.reason}${m.end.exitCode === null ? '' : ` (k6 exit ${m.end.exitCode})`}` : null,
    k6: m?.k6.version ?? null,
    task: m?.runner.task ?? null,
  };
}
