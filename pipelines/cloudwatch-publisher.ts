import { type CloudWatchClient, PutMetricAlarmCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ProbeConfig } from '../config/probe-schema.ts';
import { InfrastructureError } from '../core/errors.ts';
import { batches, type ProbeCell, probeAlarms, probeMetricData } from './probe-metrics.ts';

/** The subset of the CloudWatch client the publisher uses; a real `CloudWatchClient` in production and tests. */
export type CloudWatchSender = Pick<CloudWatchClient, 'send'>;

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

/**
 * Publishes one probe cycle to CloudWatch. AWS errors become an InfrastructureError naming the namespace, so the
 * probe reports them as infrastructure (exit 3) rather than as a gate result.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 */
export async function publishProbeCycle(
  client: CloudWatchSender,
  probe: ProbeConfig,
  cells: readonly ProbeCell[],
  at: Date,
): Promise<number> {
  const data = probeMetricData(probe, cells, at);
  for (const batch of batches(data)) {
    try {
      await client.send(new PutMetricDataCommand({ Namespace: probe.cloudwatch.namespace, MetricData: batch }));
    } catch (err) {
      throw new InfrastructureError(
        `cannot publish probe metrics to CloudWatch namespace ${probe.cloudwatch.namespace}: ${describe(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  return data.length;
}

/**
 * Creates (or updates: PutMetricAlarm is an upsert by name) one error-rate alarm per vantage and region.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export async function createProbeAlarms(
  client: CloudWatchSender,
  project: string,
  probe: ProbeConfig,
  cells: readonly Pick<ProbeCell, 'vantage' | 'region'>[],
): Promise<string[]> {
  const names: string[] = [];
  for (const alarm of probeAlarms(project, probe, cells)) {
    try {
      await client.send(new PutMetricAlarmCommand(alarm));
    } catch (err) {
      throw new InfrastructureError(`cannot create CloudWatch alarm ${alarm.AlarmName}: ${describe(err)}`, { cause: err });
    }
    names.push(alarm.AlarmName as string);
  }
  return names;
}
