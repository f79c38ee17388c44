import { expect } from 'chai';
import type { ComparisonGate } from '../../../config/gates-schema.ts';
import { rolloutSchema } from '../../../config/rollout-schema.ts';
import { canaryGates, rolloutGates } from '../../../pipelines/rollout-gates.ts';
import { fisherGreater, hodgesLehmann, spread } from '../../../validations/comparison-stats.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import { SeriesStore } from '../../../validations/series.ts';

const T0 = Date.UTC(2026, 0, 1);

/** A deterministic spread of `n` values around `centre` (a triangle-ish shape, `width` wide). */
function sample(n: number, centre: number, width: number): number[] {
  return Array.from({ length: n }, (_, i) => centre + (((i * 37) % n) / n - 0.5) * width);
}

function probe(store: SeriesStore, region: string, phase: string, values: number[], failed = 0) {
  values.forEach((v, i) => {
    const tags = { target_region: region, rollout_phase: phase, served_by: region };
    store.addPoint({ metric: 'request_duration', time: T0 + i, value: v, tags });
    store.addPoint({ metric: 'request_failed', time: T0 + i, value: i < failed ? 1 : 0, tags });
  });
}

describe('comparison statistics (known answers)', () => {
  it('Hodges-Lehmann: the median of pairwise differences, with an interval around it', () => {
    const shift = hodgesLehmann([11, 12, 13, 14, 15], [1, 2, 3, 4, 5], 0.95);
    expect(shift.estimate).to.be.closeTo(10, 1e-6);
    expect(shift.lower).to.be.at.most(10);
    expect(shift.upper).to.be.at.least(10);
    const wide = hodgesLehmann(sample(400, 141, 20), sample(400, 100, 20), 0.95);
    expect(wide.estimate).to.be.closeTo(41, 0.5);
    expect(wide.upper - wide.lower).to.be.below(4);
  });

  it("Fisher's exact test, one-sided: 3 of 10 against 0 of 10 is p = C(17,7)/C(20,10)", () => {
    expect(fisherGreater(3, 10, 0, 10)).to.be.closeTo(19448 / 184756, 1e-9);
    expect(fisherGreater(0, 10, 3, 10)).to.be.closeTo(1, 1e-9);
  });

  it('spread: a noisier sample with the same median is wider, and significantly so', () => {
    const s = spread(sample(300, 100, 60), sample(300, 100, 10));
    expect(s.ratio).to.be.closeTo(6, 0.1);
    expect(s.wider, 'six times the spread is wider').to.equal(true);
    expect(s.p).to.be.below(1e-6);
  });

  it('spread against a bound: a sample 1.6 times as spread is significantly wider than its baseline, not than 1.5 times it', () => {
    const candidate = sample(120, 100, 16);
    const baseline = sample(120, 100, 10);
    expect(spread(candidate, baseline).p, 'wider than the baseline').to.be.below(0.05);
    const against = spread(candidate, baseline, 1.5);
    expect(against.ratio, 'the ratio is unchanged by the bound').to.be.closeTo(1.6, 0.05);
    expect(against.p, 'not shown wider than 1.5 times the baseline').to.be.above(0.05);
    expect(spread(sample(300, 100, 60), sample(300, 100, 10), 1.5).p, 'six times is wider than 1.5 times').to.be.below(1e-6);
  });
});

describe('like against like: each deployed region against its own pre-deploy baseline', () => {
  const r = rolloutSchema.parse({ maxLatencyMs: 1000, minSamples: 50 });

  it('a good version far from the runner passes, though its raw latency is 1.5 times the nearer regions’', () => {
    const store = new SeriesStore();
    // us-west-2 is 150 ms from the runner, eu-west-1 100 ms: the same version, nothing changed.
    probe(store, 'us-west-2', 'baseline', sample(300, 150, 20));
    probe(store, 'us-west-2', 'traffic', sample(300, 150, 20));
    probe(store, 'eu-west-1', 'traffic', sample(300, 100, 20));
    const results = evaluateGates(rolloutGates(r, 'us-west-2', 'traffic'), { store });
    const comparison = results.filter((x) => x.kind === 'comparison');
    expect(comparison.map((x) => [x.measure.split(' ')[0], x.status])).to.deep.equal([
      ['shift', 'pass'],
      ['spread', 'pass'],
      ['error', 'pass'],
    ]);
    expect(comparison[0]?.reason).to.match(
      /^comparison \[target_region=us-west-2\] vs its baseline \(where rollout_phase=baseline\): shift [+-]?[\d.]+ \[/,
    );
    // Against the nearer region instead (the old comparison), the same good version reads 1.5 times slower.
    const own = rolloutGates(r, 'us-west-2', 'traffic')[2] as ComparisonGate;
    const acrossRegions = evaluateGates([{ ...own, baseline: ['eu-west-1'], baselineWhere: { rollout_phase: 'traffic' } }], { store });
    expect(acrossRegions[0]?.status).to.equal('fail');
  });

  it('a version 40 ms slower fails with its shift and interval; a noisier one with the same median fails its spread', () => {
    const store = new SeriesStore();
    probe(store, 'us-east-1', 'baseline', sample(300, 100, 10));
    probe(store, 'us-east-1', 'traffic', sample(300, 141, 10));
    probe(store, 'eu-west-1', 'baseline', sample(300, 100, 10));
    probe(store, 'eu-west-1', 'bake', sample(300, 100, 60));
    const slower = evaluateGates(rolloutGates(r, 'us-east-1', 'traffic'), { store }).find((x) => x.measure.startsWith('shift'));
    expect(slower?.status).to.equal('fail');
    expect(slower?.measured).to.be.closeTo(41, 1);
    expect(slower?.interval?.lower).to.be.above(20);
    const noisier = evaluateGates(rolloutGates(r, 'eu-west-1', 'bake'), { store }).filter((x) => x.kind === 'comparison');
    expect(noisier.map((x) => [x.measure.split(' ')[0], x.status])).to.deep.include(['spread', 'fail']);
    expect(noisier.find((x) => x.measure.startsWith('shift'))?.status, 'its median did not move').to.equal('pass');
  });

  it('a version failing more often than its baseline fails the error comparison', () => {
    const store = new SeriesStore();
    probe(store, 'us-east-1', 'baseline', sample(400, 100, 10), 0);
    probe(store, 'us-east-1', 'traffic', sample(400, 100, 10), 12);
    const errors = evaluateGates(rolloutGates(r, 'us-east-1', 'traffic'), { store }).find((x) => x.measure.startsWith('error rate of'));
    expect(errors?.status).to.equal('fail');
    expect(errors?.reason).to.contain('12 of 400').and.contain('significantly more errors');
  });

  it('during a weight step, the global traffic the canary served is judged per vantage', () => {
    const store = new SeriesStore();
    for (const vantage of ['vantage-eu', 'vantage-us'])
      for (let i = 0; i < 200; i++) {
        const tags = { scenario: 'global-traffic', vantage, served_by: 'eu-west-1', rollout_phase: 'weight-10' };
        store.addPoint({ metric: 'request_failed', time: T0 + i, value: vantage === 'vantage-us' && i < 20 ? 1 : 0, tags });
        store.addPoint({ metric: 'request_duration', time: T0 + i, value: 50, tags });
      }
    const results = evaluateGates(canaryGates(rolloutSchema.parse({ maxErrorRate: 0.05 }), 'eu-west-1', 'weight-10'), { store });
    expect(results.filter((x) => x.kind === 'error-rate').map((x) => [x.groupLabel, x.status])).to.deep.equal([
      ['vantage=vantage-eu', 'pass'],
      ['vantage=vantage-us', 'fail'],
    ]);
  });
});
