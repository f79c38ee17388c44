import { parseIsoDuration } from '../config/duration.ts';
import { blackholePort } from './fis-blackhole-port.ts';
import type { FaultSet } from './region-app/faults.ts';

// The FIS actions the sandbox executes, and what each does to a region app. Pure: the executor applies the result.

/** How one FIS action is provisioned in a template and what it does in the sandbox. */
export interface SandboxAction {
  actionId: string;
  /** The target key the action takes in FIS (`Tasks`, `Subnets`, ...). */
  targetKey: string;
  /** The resource type FIS expects for that target. */
  resourceType: string;
  /** Parameters a template carries by default (FIS takes strings only). */
  defaultParameters: Record<string, string>;
}

/**
 * @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
 */
export const SANDBOX_ACTIONS: SandboxAction[] = [
  { actionId: 'aws:ecs:stop-task', targetKey: 'Tasks', resourceType: 'aws:ecs:task', defaultParameters: {} },
  {
    actionId: 'aws:network:disrupt-connectivity',
    targetKey: 'Subnets',
    resourceType: 'aws:ec2:subnet',
    defaultParameters: { duration: 'PT2M', scope: 'all' },
  },
  {
    actionId: 'aws:ecs:task-network-latency',
    targetKey: 'Tasks',
    resourceType: 'aws:ecs:task',
    defaultParameters: { duration: 'PT2M', delayMilliseconds: '200' },
  },
  {
    actionId: 'aws:fis:inject-api-internal-error',
    targetKey: 'Roles',
    resourceType: 'aws:iam:role',
    defaultParameters: { duration: 'PT2M', service: 'ec2', operations: 'DescribeInstances', percentage: '50' },
  },
  {
    actionId: 'aws:ecs:task-network-blackhole-port',
    targetKey: 'Tasks',
    resourceType: 'aws:ecs:task',
    // Aimed at the database: its dependency goes down, deep health answers 503.
    defaultParameters: { duration: 'PT2M', port: '5432', protocol: 'tcp', trafficType: 'egress' },
  },
  {
    actionId: 'aws:dynamodb:global-table-pause-replication',
    targetKey: 'Tables',
    resourceType: 'aws:dynamodb:global-table',
    defaultParameters: { duration: 'PT2M' },
  },
];

export { parseIsoDuration };

/** What an action does to a region app, and for how long (undefined: until the experiment stops). */
export type ActionEffect = { kind: 'fault'; fault: FaultSet; durationMs: number | undefined } | { kind: 'unsupported'; reason: string };

/** Maps one action and its parameters to a fault on the targeted region app. */
export function actionEffect(actionId: string, parameters: Record<string, string> = {}): ActionEffect {
  const duration = parameters.duration === undefined ? undefined : parseIsoDuration(parameters.duration);
  if (parameters.duration !== undefined && duration === undefined) {
    return { kind: 'unsupported', reason: `duration "${parameters.duration}" is not an ISO 8601 duration` };
  }
  switch (actionId) {
    case 'aws:ecs:stop-task':
      // ECS would start a replacement task; the sandbox keeps the task stopped until the experiment ends or its duration.
      return { kind: 'fault', fault: { stopped: true }, durationMs: duration };
    case 'aws:network:disrupt-connectivity':
      return { kind: 'fault', fault: { unreachable: true }, durationMs: duration };
    case 'aws:ecs:task-network-latency': {
      const delay = Number(parameters.delayMilliseconds ?? '200');
      if (!Number.isFinite(delay) || delay < 0)
        return { kind: 'unsupported', reason: `delayMilliseconds "${parameters.delayMilliseconds}"` };
      return { kind: 'fault', fault: { addedLatencyMs: delay }, durationMs: duration };
    }
    case 'aws:fis:inject-api-internal-error': {
      const percentage = Number(parameters.percentage ?? '100');
      if (!Number.isFinite(percentage) || percentage < 0 || percentage > 100) {
        return { kind: 'unsupported', reason: `percentage "${parameters.percentage}"` };
      }
      return { kind: 'fault', fault: { errorRate: percentage / 100 }, durationMs: duration };
    }
    case 'aws:dynamodb:global-table-pause-replication':
      return { kind: 'fault', fault: { replicationPaused: true }, durationMs: duration };
    case 'aws:ecs:task-network-blackhole-port': {
      const effect = blackholePort(parameters);
      return 'unsupported' in effect
        ? { kind: 'unsupported', reason: effect.unsupported }
        : { kind: 'fault', fault: effect.fault, durationMs: duration };
    }
    case 'aws:fis:wait':
      // Acts on nothing; the actions that start after it wait its duration.
      if (duration === undefined) return { kind: 'unsupported', reason: 'aws:fis:wait needs a duration' };
      return { kind: 'fault', fault: {}, durationMs: duration };
    default:
      return { kind: 'unsupported', reason: `the sandbox does not execute ${actionId}` };
  }
}
