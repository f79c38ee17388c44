import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { type CloudWatchGate, gateSchema } from '../../../config/gates-schema.ts';
import { readCloudWatch } from '../../../validations/cloudwatch-reader.ts';
import { evaluateCloudWatch } from '../../../validations/gates/cloudwatch.ts';
import { judgeRun } from '../../../validations/judge.ts';
import { motoClients } from '../../support/aws.ts';
import { useMoto } from '../../support/moto.ts';

function cwGate(input: Record<string, unknown>): CloudWatchGate {
  return gateSchema.parse({ kind: 'cloudwatch', ...input }) as CloudWatchGate;
}

describe('CloudWatch gate through the SDK against moto', function () {
  this.timeout(60_000);
  const moto = useMoto();
  const now = Date.now();
  const minute = 60_000;
  const start = Math.floor(now / minute) * minute - 10 * minute;
  const dims = { LoadBalancer: 'app/shop-use1/50dc6c495c0c9188' };

  before(async () => {
    const { cloudwatch } = motoClients(moto);
    // Five one-minute datapoints of ALB target 5XX counts: 0, 1, 3, 0, 2.
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: [0, 1, 3, 0, 2].map((v, i) => ({
          MetricName: 'HTTPCode_Target_5XX_Count',
          Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
          Value: v,
          Unit: 'Count',
          Timestamp: new Date(start + i * minute + 1000),
        })),
      }),
    );
  });

  const base = {
    namespace: 'AWS/ApplicationELB',
    metricName: 'HTTPCode_Target_5XX_Count',
    dimensions: dims,
    stat: 'Sum',
    periodSeconds: 60,
    minDatapoints: 5,
  };
  const window = () => ({ start: start - minute, end: start + 6 * minute });

  it('reads the datapoints with GetMetricData and passes a bound they meet', async () => {
    const series = await readCloudWatch(motoClients(moto).cloudwatch, cwGate({ ...base, bound: 3 }), window());
    expect(series.values).to.deep.equal([0, 1, 3, 0, 2]);
    const [result] = evaluateCloudWatch(cwGate({ ...base, bound: 3 }), series);
    expect(result).to.deep.include({ status: 'pass', measured: 3, samples: 5, groupLabel: 'LoadBalancer=app/shop-use1/50dc6c495c0c9188' });
  });

  it('fails a bound they break, and sums when asked', async () => {
    const gate = cwGate({ ...base, bound: 5, reduce: 'sum' });
    const [result] = evaluateCloudWatch(gate, await readCloudWatch(motoClients(moto).cloudwatch, gate, window()));
    expect(result).to.deep.include({ status: 'fail', measured: 6 });
  });

  it('is inconclusive with too few datapoints or a dimension nobody published', async () => {
    const thin = cwGate({ ...base, bound: 100, minDatapoints: 6 });
    expect(evaluateCloudWatch(thin, await readCloudWatch(motoClients(moto).cloudwatch, thin, window()))[0]?.status).to.equal(
      'inconclusive',
    );
    const wrong = cwGate({ ...base, bound: 100, dimensions: { LoadBalancer: 'app/other/1' } });
    const [r] = evaluateCloudWatch(wrong, await readCloudWatch(motoClients(moto).cloudwatch, wrong, window()));
    expect(r).to.deep.include({ status: 'inconclusive', samples: 0, measured: null });
  });

  it('is part of a judged run next to k6 gates', async () => {
    const gate = cwGate({ ...base, bound: 3, lookbackSeconds: 3600 });
    const outcome = await judgeRun({
      sources: [],
      gates: [gate],
      cloudwatch: () => motoClients(moto).cloudwatch,
      now: () => start + 6 * minute,
    });
    expect(outcome.results[0]?.status).to.equal('pass');
    expect(outcome.verdict.kind).to.equal('approve');
  });
});
