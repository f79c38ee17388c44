import { GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { gateName } from '../config/gates.ts';
import type { CloudWatchGate } from '../config/gates-schema.ts';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import type { CloudWatchSeries } from './gates/cloudwatch.ts';

/** The one call this adapter makes; a `CloudWatchClient` fits, and tests can pass one pointed at moto. */
export interface CloudWatchSender {
  send(command: GetMetricDataCommand): Promise<GetMetricDataCommandOutput>;
}

const USAGE_ERRORS = new Set([
  'InvalidParameterValueException',
  'InvalidParameterCombinationException',
  'MissingRequiredParameterException',
  'ValidationError',
]);

/** One metric of one statistic, as GetMetricData's MetricStat takes it. */
export interface MetricQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  periodSeconds: number;
}

/** Reads a CloudWatch gate's metric over [start, end); errors name the gate (see {@link readMetric}). */
export function readCloudWatch(
  client: CloudWatchSender,
  gate: CloudWatchGate,
  window: { start: number; end: number },
): Promise<CloudWatchSeries> {
  const name = gateName(gate);
  return readMetric(client, gate, window, { path: `gates (${name})`, what: `gate ${name}` });
}

/**
 * Reads a metric with GetMetricData over [start, end), following NextToken, and translates AWS errors: a rejected
 * query is a configuration problem (exit 2) at `label.path`; anything else (access denied, throttling past the SDK's
 * retries, the network) is an infrastructure error (exit 3) naming `label.what`.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export async function readMetric(
  client: CloudWatchSender,
  query: MetricQuery,
  window: { start: number; end: number },
  label: { path: string; what: string },
): Promise<CloudWatchSeries> {
  const timestamps: number[] = [];
  const values: number[] = [];
  let status = 'Complete';
  let nextToken: string | undefined;
  do {
    let out: GetMetricDataCommandOutput;
    try {
      out = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(window.start),
          EndTime: new Date(window.end),
          ScanBy: 'TimestampAscending',
          NextToken: nextToken,
          MetricDataQueries: [
            {
              Id: 'gate',
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: query.namespace,
                  MetricName: query.metricName,
                  Dimensions: Object.entries(query.dimensions).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: query.periodSeconds,
                Stat: query.stat,
              },
            },
          ],
        }),
      );
    } catch (err) {
      const e = err as { name?: string; message?: string };
      if (e.name && USAGE_ERRORS.has(e.name)) {
        throw new ConfigError([{ path: label.path, message: `CloudWatch rejected the query: ${e.message ?? e.name}` }]);
      }
      throw new InfrastructureError(
        `CloudWatch GetMetricData for ${label.what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    for (const r of out.MetricDataResults ?? []) {
      if (r.Id !== 'gate') continue;
      const ts = r.Timestamps ?? [];
      const vs = r.Values ?? [];
      for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
        timestamps.push((ts[i] as Date).getTime());
        values.push(vs[i] as number);
      }
      if (r.StatusCode && r.StatusCode !== 'Complete' && r.StatusCode !== 'PartialData') status = r.StatusCode;
      if (r.StatusCode === 'PartialData' && !out.NextToken) status = 'PartialData';
    }
    nextToken = out.NextToken;
  } while (nextToken);
  // Oldest first whatever order the service used.
  const order = timestamps.map((_, i) => i).sort((a, b) => (timestamps[a] as number) - (timestamps[b] as number));
  return {
    timestamps: order.map((i) => timestamps[i] as number),
    values: order.map((i) => values[i] as number),
    status,
    start: window.start,
    end: window.end,
  };
}
