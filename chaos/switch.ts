import { CreateScheduleCommand, DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import { awsCall, NotFoundError } from './aws-call.ts';
import type { FaultContext } from './fault.ts';

// The server-side dead man's switch. The switch inside crosswind (a timer, and the sweep of the next crosswind
// command) dies with crosswind and with the machine; a CI runner that vanishes takes the ledger along. So every
// Route 53 change is paired with its undo in AWS itself: an EventBridge Scheduler one-time schedule, created before
// the change, whose universal target is the Route 53 call that puts the prior state back, at the fault's deadline.
// It fires even if no crosswind ever runs again; a normal undo deletes it (ActionAfterCompletion: DELETE removes it
// once it has fired).
// @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#one-time
// @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html

/** The Route 53 call a switch makes: its API action, and the request (the API's own parameter names). */
export interface SwitchCall {
  action: 'updateHealthCheck' | 'changeResourceRecordSets';
  input: Record<string, unknown>;
}

/** Pure: the schedule of a fault (names are unique per group; a fault id is unique). */
export function switchName(faultId: string): string {
  return `crosswind-${faultId}`;
}

/** Pure: Scheduler's one-time expression for a time, in UTC, rounded up to the whole second (never early). */
export function atExpression(ms: number): string {
  return `at(${new Date(Math.ceil(ms / 1000) * 1000).toISOString().slice(0, 19)})`;
}

/** Pure: the universal target of a Route 53 action. */
export function universalTarget(action: SwitchCall['action']): string {
  return `arn:aws:scheduler:::aws-sdk:route53:${action}`;
}

/** Pure: why Route 53 faults cannot be made with this config (no role for their switch), or undefined. */
export function switchProblem(config: Pick<FaultContext['config'], 'chaos'>): ConfigProblem | undefined {
  if (config.chaos.switch.roleArn) return undefined;
  return {
    path: 'chaos.switch.roleArn',
    message:
      "expected the IAM role EventBridge Scheduler assumes to undo a Route 53 fault at its deadline, the dead man's switch that lives in AWS (pipelines/iam/crosswind-iam.yml creates it)",
  };
}

/** The role the schedules run as, or the ConfigError naming the field. */
export function switchRole(ctx: Pick<FaultContext, 'config'>): string {
  const problem = switchProblem(ctx.config);
  if (problem) throw new ConfigError([problem]);
  return ctx.config.chaos.switch.roleArn as string;
}

/**
 * Arms the switch of a fault: a one-time schedule at `deadline` making `call`. Called after the intent is durable and
 * before the change, so no change is ever made without its undo in AWS.
 */
export async function armSwitch(ctx: FaultContext, faultId: string, deadline: number, call: SwitchCall): Promise<void> {
  const name = switchName(faultId);
  const { group } = ctx.config.chaos.switch;
  await awsCall(
    `scheduler:CreateSchedule ${name}`,
    () =>
      ctx.clients.scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: group,
          Description: `crosswind dead man's switch: ${call.action} back to the state before fault ${faultId}`,
          ScheduleExpression: atExpression(deadline),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          State: 'ENABLED',
          Target: {
            Arn: universalTarget(call.action),
            RoleArn: switchRole(ctx),
            Input: JSON.stringify(call.input),
            // Route 53 throttles: keep trying for an hour rather than leave the fault.
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 3600 },
          },
          ClientToken: name,
        }),
      ),
    ctx.clients.retry,
  );
  ctx.log(
    `switch: ${name} puts the prior state back at ${new Date(Math.ceil(deadline / 1000) * 1000).toISOString()} even if crosswind is gone`,
  );
}

/** Disarms a fault's switch once the fault is undone; a switch already fired (or never armed) is fine. */
export async function disarmSwitch(ctx: Pick<FaultContext, 'config' | 'clients'>, faultId: string): Promise<'disarmed' | 'absent'> {
  const name = switchName(faultId);
  try {
    await awsCall(
      `scheduler:DeleteSchedule ${name}`,
      () => ctx.clients.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: ctx.config.chaos.switch.group })),
      ctx.clients.retry,
    );
    return 'disarmed';
  } catch (err) {
    if (err instanceof NotFoundError) return 'absent';
    throw err;
  }
}
