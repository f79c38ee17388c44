import { expect } from 'chai';
import { probeSchema } from '../../../config/probe-schema.ts';
import { batches, latencyMetricName, probeAlarms, probeMetricData } from '../../../pipelines/probe-metrics.ts';

describe('probe metrics for CloudWatch', () => {
  const at = new Date('2026-01-01T00:00:00Z');

  it('publishes counts, error rate, latency and gate result per vantage and region, with configured dimensions', () => {
    const probe = probeSchema.parse({
      cloudwatch: { namespace: 'Shop/Probe', dimensions: { Stage: 'prod' }, regionDimension: 'TargetRegion' },
    });
    const data = probeMetricData(
      probe,
      [{ vantage: 'vantage-eu', region: 'eu-west-1', requests: 200, failures: 3, latencyMs: 87.5, gatesHeld: true }],
      at,
    );
    const dims = [
      { Name: 'Stage', Value: 'prod' },
      { Name: 'Vantage', Value: 'vantage-eu' },
      { Name: 'TargetRegion', Value: 'eu-west-1' },
    ];
    expect(data).to.deep.equal([
      { MetricName: 'Requests', Dimensions: dims, Value: 200, Unit: 'Count', Timestamp: at },
      { MetricName: 'Failures', Dimensions: dims, Value: 3, Unit: 'Count', Timestamp: at },
      { MetricName: 'ErrorRate', Dimensions: dims, Value: 1.5, Unit: 'Percent', Timestamp: at },
      { MetricName: 'LatencyP99', Dimensions: dims, Value: 87.5, Unit: 'Milliseconds', Timestamp: at },
      { MetricName: 'GatesHeld', Dimensions: dims, Value: 1, Unit: 'Count', Timestamp: at },
    ]);
  });

  it('publishes no latency or error rate that was not measured', () => {
    const probe = probeSchema.parse({ cloudwatch: { vantageDimension: '' } });
    const data = probeMetricData(
      probe,
      [{ vantage: 'v', region: 'us-east-1', requests: 0, failures: 0, latencyMs: undefined, gatesHeld: undefined }],
      at,
    );
    expect(data.map((d) => d.MetricName)).to.deep.equal(['Requests', 'Failures']);
    expect(data[0]?.Dimensions).to.deep.equal([{ Name: 'Region', Value: 'us-east-1' }]);
  });

  it('names latency metrics by percentile and batches data', () => {
    expect(latencyMetricName(99)).to.equal('LatencyP99');
    expect(latencyMetricName(99.9)).to.equal('LatencyP99_9');
    expect(batches([1, 2, 3, 4, 5], 2)).to.deep.equal([[1, 2], [3, 4], [5]]);
  });

  it('builds one error-rate alarm per cell, treating silence as a breach', () => {
    const probe = probeSchema.parse({ cloudwatch: { createAlarms: true, alarmErrorRate: 0.02 } });
    const [alarm] = probeAlarms('shop', probe, [{ vantage: 'vantage-us-east', region: 'us-west-2' }]);
    expect(alarm).to.include({
      AlarmName: 'crosswind-shop-probe-vantage-us-east-us-west-2-error-rate',
      Namespace: 'Crosswind/Probe',
      MetricName: 'ErrorRate',
      Threshold: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('refuses an AWS/ namespace', () => {
    expect(probeSchema.safeParse({ cloudwatch: { namespace: 'AWS/EC2' } }).success, 'an AWS/ namespace is refused').to.equal(false);
  });
});
