import type { EcsRunnerConfig, K6OperatorRunnerConfig, RunnerConfig } from '../../config/runner-schema.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import type { ConfigProblem } from '../../core/errors.ts';
import { secs } from '../gameday-plan.ts';

// Who drives a run's traffic: local k6 for the vantages on `local`, remote runners for the others (one per ECS task
// or runner pod, each a k6 execution segment of its vantage's load). Pure: the plan, its bounds, and how it reads in
// `--dry-run`, before anything is started.

/** One remote runner: a part of one vantage's load, on ECS or k6-operator. */
export interface RemoteRunnerPlan {
  /** `<vantage>[.<profile>]-<n>`: its folder in the results bucket and its name in the reports. */
  id: string;
  vantage: string;
  /** The client profile it plays (each profile is a k6 of its own, with its own DNS cache and connections). */
  profile?: string;
  /** Its execution segment: part `index + 1` of `count`. */
  part: { index: number; count: number };
  runner: EcsRunnerConfig | K6OperatorRunnerConfig;
  /** Requests per second this runner sends (its share of the vantage's rate). */
  ratePerSecond: number;
}

export interface TrafficPlan {
  /** Vantages whose traffic local k6 drives. */
  local: string[];
  /** Vantages on remote runners, in config order. */
  remoteVantages: string[];
  remote: RemoteRunnerPlan[];
  /** How long the traffic must cover once every runner has started. */
  trafficMs: number;
  /** k6's duration in a runner: the traffic plus the longest a runner may wait for the others to start. */
  runnerDurationMs: number;
  /** From a runner's start until its hard deadline: start-up, k6, and time to upload its last chunk. */
  deadlineAfterMs: number;
}

/**
 * Pure: the traffic of a run lasting `trafficMs`, at `ratePerVantage` requests per second from each vantage and client
 * profile (profiles run side by side: a remote vantage gets runners for each).
 */
export function trafficPlan(
  config: CrosswindConfig,
  o: { trafficMs: number; ratePerVantage: number; vantages?: string[]; profiles?: string[] },
): TrafficPlan {
  const r = config.distributed.runners;
  const vantages = config.vantages.filter((v) => !o.vantages || o.vantages.includes(v.name));
  const remote: RemoteRunnerPlan[] = [];
  for (const v of vantages) {
    const runner = v.runner;
    if (runner.kind === 'local') continue;
    const count = runner.kind === 'ecs' ? runner.count : runner.parallelism;
    for (const profile of o.profiles?.length ? o.profiles : [undefined]) {
      for (let index = 0; index < count; index++) {
        remote.push({
          id: `${v.name}${profile ? `.${profile}` : ''}-${index + 1}`,
          vantage: v.name,
          ...(profile ? { profile } : {}),
          part: { index, count },
          runner,
          ratePerSecond: o.ratePerVantage / count,
        });
      }
    }
  }
  const runnerDurationMs = o.trafficMs + r.startTimeout;
  return {
    local: vantages.filter((v) => v.runner.kind === 'local').map((v) => v.name),
    remoteVantages: vantages.filter((v) => v.runner.kind !== 'local').map((v) => v.name),
    remote,
    trafficMs: o.trafficMs,
    runnerDurationMs,
    deadlineAfterMs: r.startTimeout + runnerDurationMs + r.stopTimeout,
  };
}

/** Where a vantage's traffic can run, as a mode drives it. */
export type RunnerKind = RunnerConfig['kind'];

/** Pure: where a remote runner runs, as messages name it. */
function runnerPlace(r: EcsRunnerConfig | K6OperatorRunnerConfig): string {
  if (r.kind === 'ecs') return `ecs in ${r.region}`;
  return `k6-operator in ${r.context ? `context ${r.context}` : 'the current context'}, namespace ${r.namespace}`;
}

/**
 * Pure: the vantages a mode would drive (`vantages`, default every one) whose runner it does not start, one problem
 * each by field path. Rollout, probe and `synthetics run` drive k6 on this machine only: a remote vantage's traffic
 * would leave from here under its name, the mislabelled evidence remote runners exist to avoid. A game day starts ECS
 * runners but not k6-operator ones yet: refused before any AWS call rather than failing once the drill has begun.
 */
export function unstartedRunnerProblems(
  config: CrosswindConfig,
  mode: 'gameday' | 'rollout' | 'probe' | 'synthetics run',
  vantages?: readonly string[],
): ConfigProblem[] {
  const starts: readonly RunnerKind[] = mode === 'gameday' ? ['local', 'ecs'] : ['local'];
  const problems: ConfigProblem[] = [];
  config.vantages.forEach((v, i) => {
    const r = v.runner;
    if (r.kind === 'local' || starts.includes(r.kind) || (vantages && !vantages.includes(v.name))) return;
    const why =
      mode === 'gameday'
        ? 'gameday starts local k6 and ECS runners only (crosswind k6-operator writes its manifests for you to apply); set its runner to ecs or local'
        : `${mode} runs k6 on this machine only: its traffic would leave from here under that vantage's name; set its runner to local, or measure it with a game day`;
    problems.push({ path: `vantages[${i}].runner`, message: `vantage "${v.name}" runs on ${runnerPlace(r)}, but ${why}` });
  });
  return problems;
}

/** Pure: what the remote runners of a plan would exceed of `distributed.runners`' bounds, before anything starts. */
export function trafficProblems(config: CrosswindConfig, plan: TrafficPlan, ratePath: string): ConfigProblem[] {
  const r = config.distributed.runners;
  const problems: ConfigProblem[] = [];
  if (plan.remote.length === 0) return problems;
  const firsts = plan.remoteVantages.map((v) => plan.remote.find((p) => p.vantage === v) as RemoteRunnerPlan);
  for (const runner of firsts) {
    if (runner.ratePerSecond > r.maxRatePerRunner) {
      problems.push({
        path: ratePath,
        message: `vantage ${runner.vantage}: ${runner.ratePerSecond} requests/s per runner exceeds distributed.runners.maxRatePerRunner = ${r.maxRatePerRunner} (raise the runner count or lower the rate)`,
      });
    }
  }
  if (plan.deadlineAfterMs > r.maxDuration) {
    problems.push({
      path: 'distributed.runners.maxDuration',
      message: `the runners would run up to ${secs(plan.deadlineAfterMs)} (start-up ${secs(r.startTimeout)}, k6 ${secs(plan.runnerDurationMs)}, last upload ${secs(r.stopTimeout)}), more than ${secs(r.maxDuration)}`,
    });
  }
  return problems;
}

/** Pure: the remote runners as `--dry-run` shows them: per vantage where, how many, how long, and what AWS starts. */
export function describeTraffic(config: CrosswindConfig, plan: TrafficPlan): string[] {
  if (plan.remote.length === 0) return [`Traffic: local k6 for ${plan.local.join(', ') || 'no vantage'}`];
  const results = config.distributed.runners.results;
  const lines = [
    `Traffic: ${plan.local.length ? `local k6 for ${plan.local.join(', ')}; ` : ''}${plan.remote.length} remote runner(s), each stopping itself ${secs(plan.deadlineAfterMs)} after it starts (k6 ${secs(plan.runnerDurationMs)}); results in s3://${results.bucket}/${results.prefix}/${config.project}/<run>/`,
  ];
  for (const vantage of plan.remoteVantages) {
    const runners = plan.remote.filter((p) => p.vantage === vantage);
    const first = runners[0] as RemoteRunnerPlan;
    const profiles = new Set(runners.map((p) => p.profile)).size;
    const rate = `${+(first.ratePerSecond * first.part.count).toFixed(3)} req/s${profiles > 1 ? ` for each of ${profiles} client profiles` : ''}`;
    const r = first.runner;
    if (r.kind === 'ecs') {
      lines.push(
        `  ${vantage}: ecs in ${r.region}, cluster ${r.cluster}, ${runners.length} task(s), ${rate}, deadline ${secs(plan.deadlineAfterMs)} after start`,
        `    starts: ecs:RunTask x${runners.length} of ${r.taskDefinition} (Fargate${r.platformVersion ? ` ${r.platformVersion}` : ''}) in ${r.region}, subnets ${r.subnets.join(', ')}${r.securityGroups.length ? `, security groups ${r.securityGroups.join(', ')}` : ''}${r.taskRoleArn ? `, task role ${r.taskRoleArn}` : ''}; stopped with ecs:StopTask`,
      );
    }
  }
  return lines;
}
