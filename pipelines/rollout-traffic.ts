import type { RolloutConfig } from '../config/rollout-schema.ts';
import { type CloudWatchSender, readMetric } from '../validations/cloudwatch-reader.ts';

export type TrafficMetric = NonNullable<RolloutConfig['trafficMetric']>;

export interface MeasuredTraffic {
  /** Each region's metric, its datapoints summed over the lookback. */
  traffic: Record<string, number>;
  /** One line per region, for the terminal: what was read and what it came to. */
  lines: string[];
}

/** `1 h`, `90 min`, `45 s`: a lookback as people say it. */
function span(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

/**
 * Measures each region's traffic for `lowest-traffic-first`: the configured metric, read with GetMetricData in that
 * region over the lookback, its datapoints summed. A load balancer publishes no RequestCount in a minute without
 * requests, so a region without datapoints counts 0, and the line says so in case its dimensions are wrong.
 */
export async function measureTraffic(
  regions: readonly string[],
  metric: TrafficMetric,
  clientFor: (region: string) => CloudWatchSender,
  now: number = Date.now(),
): Promise<MeasuredTraffic> {
  const window = { start: now - metric.lookback, end: now };
  const read = await Promise.all(
    regions.map(async (region) => {
      const query = { ...metric, dimensions: metric.dimensions[region] ?? {} };
      const label = { path: `rollout.trafficMetric (${region})`, what: `the traffic of ${region}` };
      return { region, series: await readMetric(clientFor(region), query, window, label) };
    }),
  );
  const traffic: Record<string, number> = {};
  const lines: string[] = [];
  const what = `${metric.namespace} ${metric.metricName} (${metric.stat}) over the last ${span(metric.lookback)}`;
  for (const { region, series } of read) {
    traffic[region] = series.values.reduce((a, b) => a + b, 0);
    lines.push(
      series.values.length === 0
        ? `traffic ${region}: no datapoints of ${what}: counted as 0 (check rollout.trafficMetric.dimensions.${region})`
        : `traffic ${region}: ${traffic[region]} (${what}, ${series.values.length} datapoints)`,
    );
  }
  return { traffic, lines };
}
