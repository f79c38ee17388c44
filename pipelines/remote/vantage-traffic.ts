import type { FaultSession } from '../../chaos/session.ts';
import { awsClientOptions } from '../../config/aws.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import type { K6Point } from '../../core/k6-output.ts';
import { type K6Run, scenarioScript } from '../../synthetics/k6.ts';
import { defaultK6 } from '../../synthetics/k6-binary.ts';
import type { RunPlan } from '../../synthetics/plan.ts';
import { withRecordTtl } from '../../synthetics/record-ttl.ts';
import { s3ResultStore } from '../../synthetics/runner/store.ts';
import type { EvidenceGap } from '../../validations/evidence-gaps.ts';
import { k6Archive } from '../distributed/k6-archive.ts';
import { ecsLauncher, type RunnerLauncher } from './ecs-launcher.ts';
import { PointChannel, pipeInto } from './point-channel.ts';
import { type RemoteOutcome, type RemoteTraffic, startRemoteTraffic } from './remote-traffic.ts';
import type { RemoteRunnerPlan, TrafficPlan } from './traffic-plan.ts';

// A run's global traffic from every vantage, wherever each one runs: local k6 for the local vantages, remote runners
// for the others, one stream of live points, one stop, and the files to judge once everything is in.

export interface VantageTrafficOptions {
  config: CrosswindConfig;
  plan: TrafficPlan;
  runDir: string;
  /** File stem in `<runDir>/k6/`. */
  name: string;
  /** The fault session whose ledger keeps the runners' tasks (ECS runners need one). */
  session?: FaultSession;
  /** The k6 that builds the remote runners' archives; default the one `findK6` finds. */
  k6?: string;
  /** Starts local k6 for the local vantages, as the pipeline runs it (one run per client profile, side by side). */
  startLocal(vantages: string[]): Promise<K6Run>;
  /** The run plan a remote runner of `vantage` executes, playing `profile`; its archive holds it. */
  remotePlan(vantage: string, profile: string | undefined): RunPlan;
  /** The metrics the live points carry (the progress line's); the files hold everything. */
  liveMetrics: readonly string[];
  log: (line: string) => void;
}

export interface VantageTraffic {
  points: AsyncIterable<K6Point>;
  /** Settles once local k6 has exited and every remote runner's last chunk is in (or given up on). */
  done: Promise<unknown>;
  stop(): void;
  /** The NDJSON files to judge: complete once `done` has settled, growing before (a baseline judged mid-run). */
  sources(): string[];
  /** The remote runners' outcome (none without remote vantages), once `done` has settled. */
  remote(): RemoteOutcome | undefined;
  /** Waits until the remote runners' data up to `until` is in the run folder (a chunk interval or two behind). */
  settle(until: number): Promise<void>;
}

/** Pure: a remote outcome's problems as evidence gaps, one per problem, naming the vantage. */
export function evidenceGaps(outcome: RemoteOutcome | undefined): EvidenceGap[] {
  return (outcome?.problems ?? []).map((p) => ({ vantage: p.vantage, reason: p.message }));
}

function launcherFor(o: VantageTrafficOptions): (runner: RemoteRunnerPlan) => RunnerLauncher {
  return (runner) => {
    if (runner.runner.kind === 'ecs') {
      if (!o.session) throw new Error('ECS runners are started through a fault session (its ledger keeps their tasks)');
      return ecsLauncher(o.config, o.session);
    }
    throw new Error(`no launcher for ${runner.runner.kind} runners`);
  };
}

/**
 * A remote vantage's archive: its plan, with `synthetics.dns.ttl: record` resolved where the vantage resolves names
 * (its namespace in the sandbox; elsewhere the record's TTL is the same from anywhere), and the scenario.
 */
async function archiveOf(o: VantageTrafficOptions, vantage: string, profile: string | undefined): Promise<Uint8Array> {
  const netns = o.config.vantages.find((v) => v.name === vantage)?.netns;
  const plan = await withRecordTtl(o.remotePlan(vantage, profile), netns);
  return k6Archive({ k6: o.k6 ?? (await defaultK6()).path, script: scenarioScript(plan.scenario), plan });
}

/** The remote runners of the traffic, started and followed; resolves once they are all sending or given up on. */
async function startRemote(o: VantageTrafficOptions, channel: PointChannel): Promise<RemoteTraffic> {
  const { config, plan } = o;
  const results = config.distributed.runners.results;
  const store = s3ResultStore(results.bucket as string, awsClientOptions(config.aws, 's3', results.region ?? config.aws.controlRegion));
  const remote = await startRemoteTraffic({
    config,
    plan,
    runDir: o.runDir,
    name: o.name,
    store,
    archive: (vantage, profile) => archiveOf(o, vantage, profile),
    launcher: launcherFor(o),
    points: channel,
    liveMetrics: new Set(o.liveMetrics),
    log: o.log,
  }).catch((err: unknown) => {
    store.close();
    throw err;
  });
  void remote.done.finally(() => store.close()).catch(() => {});
  await remote.ready;
  return remote;
}

/**
 * Starts the traffic and, with remote vantages, waits until their runners have started k6 (or been given up on), so
 * the run's clock starts with every vantage sending.
 */
export async function startVantageTraffic(o: VantageTrafficOptions): Promise<VantageTraffic> {
  const channel = new PointChannel();
  const local = o.plan.local.length > 0 ? await o.startLocal(o.plan.local) : undefined;
  const piping = local ? pipeInto(local.points, channel) : Promise.resolve();
  const remote =
    o.plan.remote.length > 0
      ? await startRemote(o, channel).catch((err: unknown) => {
          local?.stop();
          throw err;
        })
      : undefined;
  let remoteOutcome: RemoteOutcome | undefined;
  const done = Promise.allSettled([
    local?.done,
    piping,
    remote?.done.then((outcome) => {
      remoteOutcome = outcome;
    }),
  ]).then((settled) => {
    channel.close();
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
  done.catch(() => {});
  return {
    points: channel,
    done,
    stop() {
      local?.stop();
      void remote?.stop('traffic done').catch((err: unknown) => o.log(`stopping the remote runners failed: ${(err as Error).message}`));
    },
    sources: () => [...(local?.sources ?? []), ...(remoteOutcome?.files ?? remote?.files() ?? [])],
    remote: () => remoteOutcome,
    settle: async (until) => remote?.caughtUp(until, 2 * o.config.distributed.runners.chunkInterval + 3000),
  };
}
