// The checks across vantages and the distributed section, apart from the runner schema: every config is checked
// with them, and a config without vantages has no runner to build a schema for.
import type { RemoteRunnersConfig, RunnerConfig } from './runner-schema.ts';

/** The parts of a parsed config the remote-runner checks read. */
export interface RemoteRunnerInput {
  vantages?: { name: string; runner: RunnerConfig }[] | undefined;
  distributed: { runners: RemoteRunnersConfig };
}

/** Pure: how many remote runners (ECS tasks, runner pods) a vantage's runner starts; 0 for a local one. */
export function runnerCount(runner: RunnerConfig): number {
  if (runner.kind === 'ecs') return runner.count;
  if (runner.kind === 'k6-operator') return runner.parallelism;
  return 0;
}

/**
 * Pure: what is wrong with the remote runners as configured, by field path: a remote vantage without a results
 * bucket, and more runners than `distributed.runners.maxRunners` allows. Rates and durations depend on the command
 * (a game day's length, a probe's cycles) and are checked by it before any AWS call.
 */
export function remoteRunnerProblems(c: RemoteRunnerInput): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const remote = (c.vantages ?? []).filter((v) => v.runner.kind !== 'local');
  if (remote.length === 0) return problems;
  const runners = c.distributed.runners;
  if (!runners.results.bucket) {
    problems.push({
      path: ['distributed', 'runners', 'results', 'bucket'],
      message: `expected the S3 bucket remote runners write to (vantages ${remote.map((v) => `"${v.name}"`).join(', ')} run remotely)`,
    });
  }
  const total = remote.reduce((sum, v) => sum + runnerCount(v.runner), 0);
  if (total > runners.maxRunners) {
    problems.push({
      path: ['vantages'],
      message: `${total} remote runners (${remote.map((v) => `${v.name}: ${runnerCount(v.runner)}`).join(', ')}) exceed distributed.runners.maxRunners = ${runners.maxRunners}`,
    });
  }
  return problems;
}
