import { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { probeSchema } from '../../../config/probe-schema.ts';
import { createProbeAlarms, publishProbeCycle } from '../../../pipelines/cloudwatch-publisher.ts';
import { cellDimensions } from '../../../pipelines/probe-metrics.ts';
import { motoClients } from '../../support/aws.ts';
import { useMoto } from '../../support/moto.ts';

describe('probe metrics published to CloudWatch (real moto)', function () {
  this.timeout(60_000);
  const moto = useMoto();

  it('publishes per vantage and region and reads them back with GetMetricData', async () => {
    const { cloudwatch } = motoClients(moto);
    const probe = probeSchema.parse({ cloudwatch: { namespace: 'Crosswind/ProbeTest', dimensions: { Project: 'shop' } } });
    const at = new Date();
    const cells = [
      { vantage: 'vantage-us-east', region: 'us-east-1', requests: 50, failures: 1, latencyMs: 42, gatesHeld: true },
      { vantage: 'vantage-eu', region: 'us-east-1', requests: 40, failures: 0, latencyMs: 120, gatesHeld: true },
    ];
    const published = await publishProbeCycle(cloudwatch, probe, cells, at);
    expect(published).to.equal(10);
    const queries = cells.flatMap((cell, i) =>
      ['ErrorRate', 'LatencyP99', 'Requests'].map((MetricName, j) => ({
        Id: `m${i}_${j}`,
        MetricStat: {
          Metric: { Namespace: 'Crosswind/ProbeTest', MetricName, Dimensions: cellDimensions(probe.cloudwatch, cell) },
          Period: 60,
          Stat: 'Maximum',
        },
      })),
    );
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(at.getTime() - 5 * 60_000),
        EndTime: new Date(at.getTime() + 60_000),
        MetricDataQueries: queries,
      }),
    );
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]));
    expect(byId).to.deep.equal({ m0_0: [2], m0_1: [42], m0_2: [50], m1_0: [0], m1_1: [120], m1_2: [40] });
  });

  it('creates one alarm per vantage and region on the published error rate', async () => {
    const { cloudwatch } = motoClients(moto);
    const probe = probeSchema.parse({ cloudwatch: { createAlarms: true } });
    const names = await createProbeAlarms(cloudwatch, 'shop', probe, [
      { vantage: 'vantage-eu', region: 'eu-west-1' },
      { vantage: 'vantage-eu', region: 'us-east-1' },
    ]);
    const read = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names }));
    expect((read.MetricAlarms ?? []).map((a) => [a.AlarmName, a.MetricName, a.Namespace, a.Threshold]).sort()).to.deep.equal([
      ['crosswind-shop-probe-vantage-eu-eu-west-1-error-rate', 'ErrorRate', 'Crosswind/Probe', 1],
      ['crosswind-shop-probe-vantage-eu-us-east-1-error-rate', 'ErrorRate', 'Crosswind/Probe', 1],
    ]);
  });
});
