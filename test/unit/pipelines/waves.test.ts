import { expect } from 'chai';
import { orderWaves, waveProblems } from '../../../pipelines/waves.ts';

const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

describe('rollout waves', () => {
  it('keeps the configured order by default, numbering waves from 1', () => {
    expect(orderWaves(regions, { order: 'config' })).to.deep.equal([
      { index: 1, region: 'us-east-1' },
      { index: 2, region: 'us-west-2' },
      { index: 3, region: 'eu-west-1' },
    ]);
  });

  it('puts the lowest traffic first, ties in configured order', () => {
    const waves = orderWaves(regions, { order: 'lowest-traffic-first', traffic: { 'us-east-1': 50, 'us-west-2': 20, 'eu-west-1': 20 } });
    expect(waves.map((w) => [w.index, w.region, w.traffic])).to.deep.equal([
      [1, 'us-west-2', 20],
      [2, 'eu-west-1', 20],
      [3, 'us-east-1', 50],
    ]);
  });

  it('names unknown regions and missing traffic figures', () => {
    expect(waveProblems(regions, { order: 'lowest-traffic-first', traffic: { 'us-east-1': 1, 'ap-south-1': 3 } })).to.deep.equal([
      { path: 'rollout.traffic.ap-south-1', message: '"ap-south-1" is not a configured region' },
      {
        path: 'rollout.traffic',
        message: 'order "lowest-traffic-first" needs a traffic figure (or a trafficMetric) for every region; missing: us-west-2, eu-west-1',
      },
    ]);
    expect(waveProblems(regions, { order: 'config' })).to.deep.equal([]);
  });

  it("wants the traffic metric's dimensions for every configured region, and not beside static figures", () => {
    const trafficMetric = {
      namespace: 'AWS/ApplicationELB',
      metricName: 'RequestCount',
      stat: 'Sum' as const,
      periodSeconds: 60,
      lookback: 3_600_000,
      dimensions: { 'us-east-1': { LoadBalancer: 'app/a/1' }, 'ap-south-1': { LoadBalancer: 'app/b/2' } },
    };
    expect(waveProblems(regions, { order: 'lowest-traffic-first', trafficMetric })).to.deep.equal([
      { path: 'rollout.trafficMetric.dimensions.ap-south-1', message: '"ap-south-1" is not a configured region' },
      {
        path: 'rollout.trafficMetric.dimensions',
        message: "expected the metric's dimensions for every region; missing: us-west-2, eu-west-1",
      },
    ]);
    expect(waveProblems(regions, { order: 'lowest-traffic-first', trafficMetric, traffic: { 'us-east-1': 1 } })).to.deep.include({
      path: 'rollout.trafficMetric',
      message: 'expected traffic or trafficMetric, not both',
    });
  });
});
