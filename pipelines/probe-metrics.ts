import type { Dimension, MetricDatum, PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { ProbeConfig } from '../config/probe-schema.ts';

/** One probe cycle's result for one vantage and one region. */
export interface ProbeCell {
  vantage: string;
  region: string;
  requests: number;
  failures: number;
  /** Latency at the configured percentile, ms; undefined with no successful request. */
  latencyMs: number | undefined;
  /** Whether the sliding-window gates held for this cell (undefined when inconclusive). */
  gatesHeld: boolean | undefined;
}

type CloudWatchSection = ProbeConfig['cloudwatch'];

/** Pure: the dimensions of one cell's metrics, in a stable order. */
export function cellDimensions(cw: CloudWatchSection, cell: Pick<ProbeCell, 'vantage' | 'region'>): Dimension[] {
  const dims: Dimension[] = Object.entries(cw.dimensions).map(([Name, Value]) => ({ Name, Value }));
  if (cw.vantageDimension) dims.push({ Name: cw.vantageDimension, Value: cell.vantage });
  if (cw.regionDimension) dims.push({ Name: cw.regionDimension, Value: cell.region });
  return dims;
}

/** The latency metric's name for a percentile: 99 → `LatencyP99`, 99.9 → `LatencyP99_9`. */
export function latencyMetricName(percentile: number): string {
  return `LatencyP${String(percentile).replace('.', '_')}`;
}

/**
 * Pure: the metric data for one cycle. Requests and Failures as counts, ErrorRate in percent, latency at the
 * configured percentile in milliseconds, GatesHeld 1/0. Nothing is published for a value that does not exist
 * (no latency without a successful request): a missing datapoint is honest, a zero would be a lie.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 */
export function probeMetricData(probe: ProbeConfig, cells: readonly ProbeCell[], at: Date): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const cell of cells) {
    const Dimensions = cellDimensions(probe.cloudwatch, cell);
    const datum = (MetricName: string, Value: number, Unit: MetricDatum['Unit']) =>
      out.push({ MetricName, Dimensions, Value, Unit, Timestamp: at });
    datum('Requests', cell.requests, 'Count');
    datum('Failures', cell.failures, 'Count');
    if (cell.requests > 0) datum('ErrorRate', (cell.failures / cell.requests) * 100, 'Percent');
    if (cell.latencyMs !== undefined) datum(latencyMetricName(probe.latencyPercentile), cell.latencyMs, 'Milliseconds');
    if (cell.gatesHeld !== undefined) datum('GatesHeld', cell.gatesHeld ? 1 : 0, 'Count');
  }
  return out;
}

/** Pure: one error-rate alarm per vantage and region, on the metric the probe publishes. */
export function probeAlarms(
  project: string,
  probe: ProbeConfig,
  cells: readonly Pick<ProbeCell, 'vantage' | 'region'>[],
): PutMetricAlarmCommandInput[] {
  const cw = probe.cloudwatch;
  return cells.map((cell) => ({
    AlarmName: `crosswind-${project}-probe-${cell.vantage}-${cell.region}-error-rate`,
    AlarmDescription: `crosswind probe: error rate from ${cell.vantage} to ${cell.region} above ${cw.alarmErrorRate * 100}%`,
    Namespace: cw.namespace,
    MetricName: 'ErrorRate',
    Dimensions: cellDimensions(cw, cell),
    Statistic: 'Average',
    // Standard-resolution metrics aggregate by the minute; a shorter period would see gaps between cycles.
    Period: 60,
    EvaluationPeriods: cw.alarmEvaluationPeriods,
    Threshold: cw.alarmErrorRate * 100,
    ComparisonOperator: 'GreaterThanThreshold',
    // A probe that stopped publishing is a probe that stopped seeing; treat silence as a breach.
    TreatMissingData: 'breaching',
  }));
}

/** PutMetricData takes a bounded number of data per call; 20 is accepted by every CloudWatch endpoint. */
export function batches<T>(items: readonly T[], size = 20): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
