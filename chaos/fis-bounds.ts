import { parseIsoDuration } from '../config/duration.ts';

// An FIS experiment's switch lives in FIS: every action either acts once and is done, or carries a duration no longer
// than the fault's deadline, so the experiment ends on its own even if crosswind never stops it.

/**
 * FIS actions that act once and finish (they take no `duration`): what they do is not undone by stopping the
 * experiment either, so nothing of theirs outlives its start (ECS replaces a stopped task, Aurora a failed-over writer).
 * @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
 */
export const INSTANT_ACTIONS: ReadonlySet<string> = new Set([
  'aws:ecs:stop-task',
  'aws:rds:failover-db-cluster',
  'aws:rds:reboot-db-instances',
  'aws:ec2:reboot-instances',
  'aws:ec2:terminate-instances',
  'aws:eks:terminate-nodegroup-instances',
  'aws:cloudwatch:assert-alarm-state',
]);

/** One action of a template, as the bound sees it. */
export interface BoundedAction {
  name: string;
  actionId: string;
  /** Its `duration` parameter (ISO 8601), if it has one. */
  duration?: string;
}

/** Pure: what keeps each action from ending on its own within `maxMs`, one line each; empty when every one does. */
export function unboundedActions(actions: BoundedAction[], maxMs: number): string[] {
  const problems: string[] = [];
  for (const a of actions) {
    if (INSTANT_ACTIONS.has(a.actionId)) continue;
    if (a.duration === undefined) {
      problems.push(`action ${a.name} (${a.actionId}) has no duration: FIS would run it until someone stops it`);
      continue;
    }
    const ms = parseIsoDuration(a.duration);
    if (ms === undefined) problems.push(`action ${a.name} (${a.actionId}) has a duration FIS does not read: ${a.duration}`);
    else if (ms > maxMs)
      problems.push(
        `action ${a.name} (${a.actionId}) lasts ${a.duration}, longer than chaos.faultDeadline (${Math.round(maxMs / 1000)} s)`,
      );
  }
  return problems;
}
