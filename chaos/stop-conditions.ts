import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError } from '../core/errors.ts';
import type { StopSource } from '../core/ledger-entry.ts';
import { awsCall } from './aws-call.ts';
import type { ChaosClients } from './clients.ts';

/** An alarm's state as DescribeAlarms reports it; `missing` when no alarm of that name exists. */
export interface AlarmState {
  name: string;
  region: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | 'missing';
  reason?: string;
}

/**
 * The current error rate (0-1) of the given regions, those NOT under fault (the blast radius); undefined when there
 * is no data yet. Fed by the live k6 stream in a drill.
 */
export type ErrorRateSource = (regions: readonly string[]) => number | undefined | Promise<number | undefined>;

export interface Breach {
  source: StopSource;
  reason: string;
}

/** Pure: the first breached stop condition, if any. */
export function evaluateStopConditions(input: {
  alarms: AlarmState[];
  errorRate?: number;
  maxErrorRate: number;
  regions: readonly string[];
}): Breach | undefined {
  const firing = input.alarms.filter((a) => a.state === 'ALARM');
  if (firing.length > 0) {
    return {
      source: 'alarm',
      reason: `alarm ${firing.map((a) => `${a.name} (${a.region})${a.reason ? `: ${a.reason}` : ''}`).join(', ')} in ALARM`,
    };
  }
  if (input.errorRate !== undefined && input.errorRate > input.maxErrorRate) {
    return {
      source: 'error-rate',
      reason: `error rate ${(input.errorRate * 100).toFixed(2)} % in ${input.regions.join(', ') || 'no region'} is above chaos.stopConditions.maxErrorRate ${(input.maxErrorRate * 100).toFixed(2)} %`,
    };
  }
  return undefined;
}

/** Reads the configured stop-condition alarms. */
export type AlarmReader = () => Promise<AlarmState[]>;

/**
 * DescribeAlarms for alarms in one region, by name (metric and composite alarms alike); the ones that exist.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
export async function describeAlarms(
  clients: Pick<ChaosClients, 'cloudwatch' | 'retry'>,
  region: string,
  names: readonly string[],
): Promise<Map<string, { StateValue?: string; StateReason?: string }>> {
  const found = new Map<string, { StateValue?: string; StateReason?: string }>();
  // DescribeAlarms takes at most 100 names a call.
  for (let i = 0; i < names.length; i += 100) {
    const chunk = names.slice(i, i + 100);
    const out = await awsCall(
      `cloudwatch:DescribeAlarms in ${region}`,
      () =>
        clients.cloudwatch(region).send(new DescribeAlarmsCommand({ AlarmNames: chunk, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })),
      clients.retry,
    );
    for (const a of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) if (a.AlarmName) found.set(a.AlarmName, a);
  }
  return found;
}

/** The configured stop-condition alarms by region (alarms are regional; a bare name lives in the control region). */
export function stopAlarmsByRegion(config: CrosswindConfig): Map<string, string[]> {
  const byRegion = new Map<string, string[]>();
  for (const a of config.chaos.stopConditions.alarms) {
    const name = typeof a === 'string' ? a : a.name;
    const region = (typeof a === 'string' ? undefined : a.region) ?? config.aws.controlRegion;
    byRegion.set(region, [...(byRegion.get(region) ?? []), name]);
  }
  return byRegion;
}

/** DescribeAlarms for the configured alarms, grouped by region. */
export function cloudWatchAlarmReader(config: CrosswindConfig, clients: ChaosClients): AlarmReader {
  const byRegion = stopAlarmsByRegion(config);
  return async () => {
    const states: AlarmState[] = [];
    for (const [region, names] of byRegion) {
      const found = await describeAlarms(clients, region, names);
      for (const name of names) {
        const a = found.get(name);
        states.push(
          a
            ? { name, region, state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmState['state'], reason: a.StateReason }
            : { name, region, state: 'missing' },
        );
      }
    }
    return states;
  };
}

/** Before the first fault: every stop-condition alarm must exist and none may already be in ALARM. */
export function checkAlarmsBeforeFault(alarms: AlarmState[]): void {
  const problems = alarms
    .filter((a) => a.state === 'missing' || a.state === 'ALARM')
    .map((a) => ({
      path: 'chaos.stopConditions.alarms',
      message:
        a.state === 'missing'
          ? `no alarm "${a.name}" in ${a.region}`
          : `alarm "${a.name}" in ${a.region} is already in ALARM; refusing to start a fault`,
    }));
  if (problems.length) throw new ConfigError(problems);
}

export interface StopMonitorOptions {
  intervalMs: number;
  readAlarms: AlarmReader;
  errorRate?: ErrorRateSource;
  maxErrorRate: number;
  /** Regions not under fault now. */
  healthyRegions: () => readonly string[];
  onBreach: (breach: Breach) => void;
  log: (line: string) => void;
  /** Reads that fail this many times in a row are a breach: a run must not go on blind. */
  maxReadFailures?: number;
}

/** Polls the stop conditions every interval until stopped; calls onBreach once, at the first breach. */
export function startStopMonitor(options: StopMonitorOptions): { stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const tick = async () => {
    if (stopped) return;
    let breach: Breach | undefined;
    try {
      const regions = options.healthyRegions();
      const [alarms, errorRate] = await Promise.all([options.readAlarms(), options.errorRate?.(regions)]);
      breach = evaluateStopConditions({ alarms, errorRate, maxErrorRate: options.maxErrorRate, regions });
      failures = 0;
    } catch (err) {
      failures++;
      options.log(`stop conditions: read failed (${failures}): ${(err as Error).message}`);
      if (failures >= (options.maxReadFailures ?? 3))
        breach = { source: 'error', reason: `stop conditions unreadable ${failures} times in a row: ${(err as Error).message}` };
    }
    if (stopped) return;
    if (breach) {
      stopped = true;
      options.onBreach(breach);
      return;
    }
    timer = setTimeout(tick, options.intervalMs);
  };
  timer = setTimeout(tick, options.intervalMs);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
