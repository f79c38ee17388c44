import { ChangeResourceRecordSetsCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { GroundTruthLog } from './ground-truth.ts';
import { SANDBOX_CREDENTIALS } from './state.ts';

// Fires due EventBridge Scheduler schedules as AWS would. moto stores schedules and never runs them; the sandbox
// runs each one-time schedule once its `at(...)` time has come: it makes the universal target's call (the Route 53
// API of the sandbox, so routing follows at once) with the schedule's input, then deletes the schedule when its
// ActionAfterCompletion says so. This is what crosswind's server-side dead man's switch relies on in AWS.
// @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html

export interface ScheduleExecutorOptions {
  /** Where the schedules are stored (moto). */
  schedulerUrl: string;
  /** The Route 53 API a universal target calls (the sandbox's, in front of moto). */
  route53Url: string;
  groundTruth: GroundTruthLog;
  pollMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

/** Pure: when a one-time expression (`at(2026-11-30T10:00:00)`, in UTC) is due, in ms; undefined for any other expression. */
export function dueAt(expression: string, timezone = 'UTC'): number | undefined {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (!m || timezone !== 'UTC') return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Pure: the service and API action of a universal target ARN (`arn:aws:scheduler:::aws-sdk:route53:updateHealthCheck`). */
export function universalTargetOf(arn: string): { service: string; action: string } | undefined {
  const m = /^arn:aws[a-z-]*:scheduler:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)$/.exec(arn);
  return m ? { service: m[1] as string, action: m[2] as string } : undefined;
}

/** Attempts at a target that fails before the schedule is given up (AWS retries per the target's RetryPolicy). */
const ATTEMPTS = 20;

export class ScheduleExecutor {
  private readonly scheduler: SchedulerClient;
  private readonly route53: Route53Client;
  private readonly done = new Set<string>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly log: (line: string) => void;
  private readonly now: () => number;

  constructor(private readonly options: ScheduleExecutorOptions) {
    const common = { region: 'us-east-1', credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 2 };
    this.scheduler = new SchedulerClient({ ...common, endpoint: options.schedulerUrl });
    this.route53 = new Route53Client({ ...common, endpoint: options.route53Url });
    this.log = options.log ?? (() => {});
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 250);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.scheduler.destroy();
    this.route53.destroy();
  }

  /** One look at every schedule: fires those due. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const listed = await this.scheduler.send(new ListSchedulesCommand({}));
      for (const s of listed.Schedules ?? []) {
        const key = `${s.GroupName}/${s.Name}`;
        if (!s.Name || this.done.has(key) || s.State !== 'ENABLED') continue;
        await this.fireIfDue(s.Name, s.GroupName ?? 'default', key);
      }
    } catch (err) {
      this.log(`schedules: cannot list schedules: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private async fireIfDue(name: string, group: string, key: string): Promise<void> {
    const s = await this.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    const at = dueAt(s.ScheduleExpression ?? '', s.ScheduleExpressionTimezone ?? 'UTC');
    if (at === undefined || at > this.now()) return;
    const target = universalTargetOf(s.Target?.Arn ?? '');
    let result: 'ok' | 'failed' = 'ok';
    let detail = '';
    try {
      if (!target) throw new Error(`not a universal target the sandbox runs: ${s.Target?.Arn}`);
      detail = await this.call(target, JSON.parse(s.Target?.Input ?? '{}') as Record<string, unknown>);
    } catch (err) {
      result = 'failed';
      detail = (err as Error).message;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (n < ATTEMPTS) return;
    }
    this.done.add(key);
    this.options.groundTruth.write({ time: this.now(), kind: 'schedule', name, group, target: s.Target?.Arn ?? '', result, detail });
    this.log(`schedules: ${name} fired (${s.Target?.Arn}): ${result}${detail ? `: ${detail}` : ''}`);
    if (s.ActionAfterCompletion === 'DELETE') {
      await this.scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group })).catch(() => {});
    }
  }

  /** The universal target's call, with the schedule's input as the request. */
  private async call(target: { service: string; action: string }, input: Record<string, unknown>): Promise<string> {
    const what = `${target.service}:${target.action}`;
    switch (what) {
      case 'route53:updateHealthCheck':
        await this.route53.send(new UpdateHealthCheckCommand(input as never));
        return `UpdateHealthCheck ${String(input.HealthCheckId)}`;
      case 'route53:changeResourceRecordSets':
        await this.route53.send(new ChangeResourceRecordSetsCommand(input as never));
        return `ChangeResourceRecordSets in ${String(input.HostedZoneId)}`;
      default:
        throw new Error(`the sandbox does not run ${what}`);
    }
  }
}
