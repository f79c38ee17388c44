import { gateName } from '../../config/gates.ts';
import type { CloudWatchGate } from '../../config/gates-schema.ts';
import { type GateResult, judge } from './gate-result.ts';

/** The datapoints one GetMetricData query returned, oldest first. */
export interface CloudWatchSeries {
  /** Ms since the epoch. */
  timestamps: number[];
  values: number[];
  /** `Complete`, or `PartialData` when CloudWatch cut the answer short. */
  status: string;
  /** The window read, ms since the epoch. */
  start: number;
  end: number;
}

/** One value from a window's datapoints, as the gate says. NaN for none. */
export function reduceDatapoints(values: readonly number[], how: CloudWatchGate['reduce']): number {
  if (values.length === 0) return Number.NaN;
  switch (how) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'last':
      return values[values.length - 1] as number;
  }
}

/**
 * Pure: a CloudWatch metric's datapoints against the gate's bound. Fewer datapoints than `minDatapoints` (a metric
 * nobody published, a window too short, a wrong dimension) is inconclusive, never a pass.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export function evaluateCloudWatch(gate: CloudWatchGate, series: CloudWatchSeries | undefined): GateResult[] {
  const dims = Object.entries(gate.dimensions);
  const group = Object.fromEntries(dims);
  const fields = {
    gate: gateName(gate),
    kind: gate.kind,
    measure: `${gate.reduce} of ${gate.stat} ${gate.namespace} ${gate.metricName} per ${gate.periodSeconds} s`,
    group,
    groupLabel: dims.length ? dims.map(([k, v]) => `${k}=${v}`).join(',') : 'all',
    op: gate.op,
    bound: gate.bound,
    unit: 'value' as const,
    minSamples: gate.minDatapoints,
    scope: {
      window: `${gate.lookbackSeconds} s lookback (or the run's span)`,
      population: `${gate.namespace} ${gate.metricName} datapoints${dims.length ? ` (${dims.map(([k, v]) => `${k}=${v}`).join(',')})` : ''}`,
    },
  };
  if (!series) return [{ ...fields, measured: null, samples: 0, status: 'inconclusive', reason: `${fields.measure}: not read` }];
  const measured = reduceDatapoints(series.values, gate.reduce);
  const result = judge({ ...fields, measured, samples: series.values.length, window: { start: series.start, end: series.end } });
  return [
    series.status === 'PartialData' && result.status !== 'fail'
      ? { ...result, status: 'inconclusive', reason: `${result.reason}; CloudWatch returned partial data` }
      : result,
  ];
}
