import { DescribeTasksCommand, ListTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { InfrastructureError } from '../core/errors.ts';
import { awsCall } from './aws-call.ts';
import { type FaultContext, type FaultDriver, type FaultSpec, type PlannedFault, timedCall } from './fault.ts';
import type { OpenFault } from './ledger.ts';

// A remote runner's ECS task, kept in the fault ledger like a fault: its intent is written before RunTask, so whatever
// ends the run (its end, a signal, a crash, a kill -9 followed by `crosswind restore`) stops the task. It takes no
// region out and is no fault to measure (core/ledger-entry.ts RUNNER_KINDS); the runner also stops itself at its hard
// deadline, the ledger entry's deadline, should nothing else.

/** One runner task to start: where, with which task definition, and the runner's command. */
export interface EcsRunnerTask {
  vantage: string;
  /** The runner's id in its manifest and results folder. */
  runnerId: string;
  region: string;
  cluster: string;
  taskDefinition: string;
  /** The container whose command is overridden with `command`. */
  container: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
  taskRoleArn?: string;
  platformVersion?: string;
  /** `runner --archive ... --deadline ...`: the container's command. */
  command: string[];
  /** Ms since the epoch: the runner stops itself then; the ledger entry's deadline. */
  deadline: number;
}

type Spec = Extract<FaultSpec, { kind: 'ecs-runner' }>;

/** What restore needs to find the task again: its cluster and region (the `startedBy` token is the ledger id). */
interface RunnerPrior {
  region: string;
  cluster: string;
}

/** The `startedBy` of the tasks a ledger entry started: how restore finds them even when RunTask's answer was lost. */
export function startedByOf(ledgerId: string): string {
  return `crosswind/${ledgerId}`;
}

/**
 * RunTask: one Fargate task of the runner's task definition, its command overridden with the runner's.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
async function runTask(ctx: FaultContext, t: EcsRunnerTask, id: string): Promise<string> {
  const out = await awsCall(
    `RunTask ${t.taskDefinition} in ${t.region} (${t.cluster})`,
    () =>
      ctx.clients.ecs(t.region).send(
        new RunTaskCommand({
          cluster: t.cluster,
          taskDefinition: t.taskDefinition,
          launchType: 'FARGATE',
          ...(t.platformVersion ? { platformVersion: t.platformVersion } : {}),
          count: 1,
          startedBy: startedByOf(id),
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: t.subnets,
              ...(t.securityGroups.length ? { securityGroups: t.securityGroups } : {}),
              assignPublicIp: t.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          overrides: {
            ...(t.taskRoleArn ? { taskRoleArn: t.taskRoleArn } : {}),
            containerOverrides: [{ name: t.container, command: t.command }],
          },
        }),
      ),
    ctx.clients.retry,
  );
  const task = out.tasks?.[0]?.taskArn;
  if (!task) {
    const why = (out.failures ?? []).map((f) => `${f.reason ?? 'failure'}${f.detail ? ` (${f.detail})` : ''}`).join('; ');
    throw new InfrastructureError(`RunTask ${t.taskDefinition} in ${t.region} (${t.cluster}) started no task: ${why || 'no reason given'}`);
  }
  return task;
}

/**
 * The tasks a ledger entry started that are not stopped yet: ListTasks by its `startedBy` (found even when the RunTask
 * answer never reached the ledger), plus the one its `applied` line names, read with DescribeTasks.
 */
async function runningTasks(ctx: FaultContext, fault: OpenFault, prior: RunnerPrior): Promise<string[]> {
  const ecs = ctx.clients.ecs(prior.region);
  const listed = await awsCall(
    `ListTasks ${prior.cluster} (${prior.region})`,
    () => ecs.send(new ListTasksCommand({ cluster: prior.cluster, startedBy: startedByOf(fault.intent.id) })),
    ctx.clients.retry,
  );
  const arns = new Set(listed.taskArns ?? []);
  const applied = fault.applied?.detail?.taskArn;
  if (applied) arns.add(applied);
  if (arns.size === 0) return [];
  const described = await awsCall(
    `DescribeTasks ${prior.cluster} (${prior.region})`,
    () => ecs.send(new DescribeTasksCommand({ cluster: prior.cluster, tasks: [...arns] })),
    ctx.clients.retry,
  );
  return (described.tasks ?? [])
    .filter((t) => t.taskArn && (t.lastStatus !== 'STOPPED' || t.desiredStatus !== 'STOPPED'))
    .map((t) => t.taskArn as string);
}

/** Remote runner tasks on ECS, started and stopped through the ledger. */
export const ecsRunnerFault: FaultDriver<Spec> = {
  kind: 'ecs-runner',

  async plan(spec: Spec, ctx: FaultContext): Promise<PlannedFault> {
    const t = spec.task;
    const prior: RunnerPrior = { region: t.region, cluster: t.cluster };
    return {
      target: {
        kind: 'ecs-runner',
        region: t.region,
        resources: { cluster: t.cluster, taskDefinition: t.taskDefinition, vantage: t.vantage, runner: t.runnerId },
      },
      prior,
      takesOut: [],
      // The ledger entry's deadline is the runner's own: the dead man's switch stops the task when the runner would.
      deadlineMs: t.deadline - ctx.now(),
      change: `ecs:RunTask ${t.taskDefinition} (Fargate) in ${t.region}, cluster ${t.cluster}, subnets ${t.subnets.join(', ')}: runner ${t.runnerId} of vantage ${t.vantage}, stopping itself by ${new Date(t.deadline).toISOString()}`,
      undo: `ecs:StopTask of the tasks this entry started (startedBy crosswind/<ledger id>) in ${t.region}`,
      async apply(id, ctx) {
        const { value: taskArn, calledAt, returnedAt } = await timedCall(ctx, () => runTask(ctx, t, id));
        ctx.log(`runner ${t.runnerId} (vantage ${t.vantage}): task ${taskArn} started in ${t.region}`);
        return { calledAt, returnedAt, detail: { taskArn } };
      },
    };
  },

  async undo(fault: OpenFault, ctx: FaultContext): Promise<string> {
    const prior = fault.intent.prior as RunnerPrior;
    const running = await runningTasks(ctx, fault, prior);
    for (const task of running) {
      await awsCall(
        `StopTask ${task}`,
        () =>
          ctx.clients
            .ecs(prior.region)
            .send(new StopTaskCommand({ cluster: prior.cluster, task, reason: 'crosswind: runner no longer needed' })),
        ctx.clients.retry,
      );
    }
    return running.length ? `stopped ${running.length} task(s): ${running.join(', ')}` : 'no task left running';
  },
};
