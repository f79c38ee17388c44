import { expect } from 'chai';
import { healthCheckMetricData, loadBalancerName, regionMetricData, TABLE_NAME } from '../../../sandbox/metrics-publisher.ts';

describe('metrics-publisher: CloudWatch data as AWS names it', () => {
  const at = new Date(1_700_000_000_000);
  const scraped = {
    requests: 10,
    status2xx: 7,
    status4xx: 1,
    status5xx: 2,
    latencyMs: { count: 10, sum: 500, min: 20, max: 120 },
    replicationLatencyMs: { count: 0, sum: 0, min: 0, max: 0 },
    pendingReplication: 3,
  };

  it('reports load balancer counts and response time in seconds, by LoadBalancer', () => {
    const { loadBalancer } = regionMetricData('eu-west-1', scraped, true, at);
    const by = Object.fromEntries(loadBalancer.map((d) => [d.MetricName, d]));
    expect(by.RequestCount?.Value).to.equal(10);
    expect(by.HTTPCode_Target_5XX_Count?.Value).to.equal(2);
    expect(by.HTTPCode_Target_4XX_Count?.Value).to.equal(1);
    expect(by.HealthyHostCount?.Value).to.equal(1);
    expect(by.UnHealthyHostCount?.Value).to.equal(0);
    expect(by.TargetResponseTime?.Unit).to.equal('Seconds');
    expect(by.TargetResponseTime?.StatisticValues).to.deep.equal({ SampleCount: 10, Sum: 0.5, Minimum: 0.02, Maximum: 0.12 });
    for (const d of loadBalancer) expect(d.Dimensions).to.deep.equal([{ Name: 'LoadBalancer', Value: loadBalancerName('eu-west-1') }]);
  });

  it('omits statistic sets without samples, and reports the replication backlog per receiving region', () => {
    const { loadBalancer, table } = regionMetricData(
      'us-east-1',
      { ...scraped, latencyMs: { count: 0, sum: 0, min: 0, max: 0 } },
      false,
      at,
    );
    expect(loadBalancer.map((d) => d.MetricName)).to.not.include('TargetResponseTime');
    expect(loadBalancer.find((d) => d.MetricName === 'HealthyHostCount')?.Value).to.equal(0);
    expect(table.map((d) => d.MetricName)).to.deep.equal(['PendingReplicationCount']);
    expect(table[0]?.Dimensions).to.deep.equal([
      { Name: 'TableName', Value: TABLE_NAME },
      { Name: 'ReceivingRegion', Value: 'us-east-1' },
    ]);
    const withLag = regionMetricData(
      'us-east-1',
      { ...scraped, replicationLatencyMs: { count: 2, sum: 1000, min: 400, max: 600 } },
      true,
      at,
    );
    expect(withLag.table.find((d) => d.MetricName === 'ReplicationLatency')?.StatisticValues).to.deep.equal({
      SampleCount: 2,
      Sum: 1000,
      Minimum: 400,
      Maximum: 600,
    });
  });

  it('reports health check status as 1/0 and percentage healthy', () => {
    const data = healthCheckMetricData({ healthCheckId: 'hc-1', healthy: false }, at);
    expect(data.map((d) => [d.MetricName, d.Value])).to.deep.equal([
      ['HealthCheckStatus', 0],
      ['HealthCheckPercentageHealthy', 0],
    ]);
    expect(data[0]?.Dimensions).to.deep.equal([{ Name: 'HealthCheckId', Value: 'hc-1' }]);
  });
});
