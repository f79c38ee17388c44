import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { scrapeMetrics } from './region-app/admin-client.ts';
import type { AppMetrics } from './region-app/metrics.ts';
import type { HealthView } from './route53-engine.ts';
import { SANDBOX_CREDENTIALS } from './state.ts';

// Publishes what the sandbox observes into moto's CloudWatch under the namespaces AWS itself uses, so CloudWatch gates
// read real numbers from the sandbox: load balancer metrics per region, Route 53 health check status (us-east-1
// only, as in AWS), and global-table replication latency.

/** The `LoadBalancer` dimension value of a region app. */
export function loadBalancerName(region: string): string {
  return `app/crosswind-sandbox-${region}/0`;
}

export const TABLE_NAME = 'crosswind-sandbox-items';

/**
 * Load balancer and table metrics for one region's scrape.
 * @see https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 * @see https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
 */
export function regionMetricData(
  region: string,
  m: AppMetrics,
  measuredHealthy: boolean,
  at: Date,
): { loadBalancer: MetricDatum[]; table: MetricDatum[] } {
  const lb = [{ Name: 'LoadBalancer', Value: loadBalancerName(region) }];
  const common = { Timestamp: at, StorageResolution: 1 };
  const loadBalancer: MetricDatum[] = [
    { ...common, MetricName: 'RequestCount', Dimensions: lb, Value: m.requests, Unit: 'Count' },
    { ...common, MetricName: 'HTTPCode_Target_2XX_Count', Dimensions: lb, Value: m.status2xx, Unit: 'Count' },
    { ...common, MetricName: 'HTTPCode_Target_4XX_Count', Dimensions: lb, Value: m.status4xx, Unit: 'Count' },
    { ...common, MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: lb, Value: m.status5xx, Unit: 'Count' },
    { ...common, MetricName: 'HealthyHostCount', Dimensions: lb, Value: measuredHealthy ? 1 : 0, Unit: 'Count' },
    { ...common, MetricName: 'UnHealthyHostCount', Dimensions: lb, Value: measuredHealthy ? 0 : 1, Unit: 'Count' },
  ];
  if (m.latencyMs.count > 0) {
    loadBalancer.push({
      ...common,
      MetricName: 'TargetResponseTime',
      Dimensions: lb,
      Unit: 'Seconds',
      StatisticValues: {
        SampleCount: m.latencyMs.count,
        Sum: m.latencyMs.sum / 1000,
        Minimum: m.latencyMs.min / 1000,
        Maximum: m.latencyMs.max / 1000,
      },
    });
  }
  const table = [
    { Name: 'TableName', Value: TABLE_NAME },
    { Name: 'ReceivingRegion', Value: region },
  ];
  const tableData: MetricDatum[] = [
    { ...common, MetricName: 'PendingReplicationCount', Dimensions: table, Value: m.pendingReplication, Unit: 'Count' },
  ];
  if (m.replicationLatencyMs.count > 0) {
    const r = m.replicationLatencyMs;
    tableData.push({
      ...common,
      MetricName: 'ReplicationLatency',
      Dimensions: table,
      Unit: 'Milliseconds',
      StatisticValues: { SampleCount: r.count, Sum: r.sum, Minimum: r.min, Maximum: r.max },
    });
  }
  return { loadBalancer, table: tableData };
}

/**
 * Route 53 health check metrics (published in us-east-1 only).
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/monitoring-health-check-status.html
 */
export function healthCheckMetricData(view: Pick<HealthView, 'healthCheckId' | 'healthy'>, at: Date): MetricDatum[] {
  const dims = [{ Name: 'HealthCheckId', Value: view.healthCheckId }];
  return [
    { Timestamp: at, StorageResolution: 1, MetricName: 'HealthCheckStatus', Dimensions: dims, Value: view.healthy ? 1 : 0, Unit: 'None' },
    {
      Timestamp: at,
      StorageResolution: 1,
      MetricName: 'HealthCheckPercentageHealthy',
      Dimensions: dims,
      Value: view.healthy ? 100 : 0,
      Unit: 'Percent',
    },
  ];
}

export interface MetricsPublisherOptions {
  motoUrl: string;
  regions: { name: string; adminUrl: string; healthCheckId: string }[];
  health: (healthCheckId: string) => HealthView | undefined;
  intervalMs: number;
  log?: (line: string) => void;
}

export class MetricsPublisher {
  private readonly clients = new Map<string, CloudWatchClient>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: MetricsPublisherOptions) {
    for (const name of new Set(['us-east-1', ...options.regions.map((r) => r.name)])) {
      this.clients.set(
        name,
        new CloudWatchClient({ region: name, endpoint: options.motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 2 }),
      );
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.publish(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const c of this.clients.values()) c.destroy();
  }

  /** One scrape of every region app and one PutMetricData per region. */
  async publish(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const at = new Date();
    try {
      const control: MetricDatum[] = [];
      await Promise.all(
        this.options.regions.map(async (r) => {
          const view = this.options.health(r.healthCheckId);
          if (view) control.push(...healthCheckMetricData(view, at));
          let scraped: AppMetrics;
          try {
            scraped = (await scrapeMetrics(r.adminUrl)) as AppMetrics;
          } catch {
            return;
          }
          const data = regionMetricData(r.name, scraped, view?.measuredHealthy ?? true, at);
          const client = this.clients.get(r.name);
          await client?.send(new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: data.loadBalancer }));
          await client?.send(new PutMetricDataCommand({ Namespace: 'AWS/DynamoDB', MetricData: data.table }));
        }),
      );
      if (control.length > 0)
        await this.clients.get('us-east-1')?.send(new PutMetricDataCommand({ Namespace: 'AWS/Route53', MetricData: control }));
    } catch (err) {
      this.options.log?.(`publishing metrics to moto failed: ${(err as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
