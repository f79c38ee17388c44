import { expect } from 'chai';
import fc from 'fast-check';
import { type GateInput, gateSchema, gatesSchema } from '../../../config/gates-schema.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import {
  binomialCdf,
  normalQuantile,
  quantileRanks,
  rateInterval,
  rateSamplesNeeded,
  regularizedBeta,
} from '../../../validations/evidence.ts';
import { evaluateGate } from '../../../validations/gates/evaluate.ts';
import { groupThousands } from '../../../validations/gates/gate-result.ts';
import { verdictDocument } from '../../../validations/reporters/verdict-document.ts';
import { SeriesStore } from '../../../validations/series.ts';
import { decide } from '../../../validations/verdict.ts';

const T0 = Date.UTC(2026, 0, 1);
const gate = (g: GateInput) => gateSchema.parse(g);

/** `n` requests from one vantage, the first `failed` of them failed, 10 a second. */
function requests(n: number, failed = 0): SeriesStore {
  const store = new SeriesStore();
  for (let i = 0; i < n; i++)
    store.addPoint({ metric: 'http_req_failed', time: T0 + i * 100, value: i < failed ? 1 : 0, tags: { vantage: 'eu' } });
  return store;
}

/** `n` durations 1..n ms (so every value is below any bound over n). */
function durations(n: number, value = (i: number) => i + 1): SeriesStore {
  const store = new SeriesStore();
  const points: K6Point[] = [];
  for (let i = 0; i < n; i++) points.push({ metric: 'http_req_duration', time: T0 + i * 10, value: value(i), tags: { vantage: 'eu' } });
  for (const p of points) store.addPoint(p);
  return store;
}

describe('evidence: the numerics (known answers)', () => {
  it('incomplete beta and binomial tails match closed forms', () => {
    expect(regularizedBeta(0.3, 1, 1)).to.be.closeTo(0.3, 1e-12);
    expect(regularizedBeta(0.5, 2, 2)).to.be.closeTo(0.5, 1e-12);
    expect(binomialCdf(3, 10, 0.5)).to.be.closeTo(176 / 1024, 1e-12);
    expect(binomialCdf(0, 50, 0.01)).to.be.closeTo(0.99 ** 50, 1e-12);
    expect(normalQuantile(0.95)).to.be.closeTo(1.6448536269514722, 1e-8);
    expect(normalQuantile(0.975)).to.be.closeTo(1.959963984540054, 1e-8);
  });

  it('Clopper-Pearson: 0 of n bounds the rate by 1 - 0.05^(1/n) (the rule of three); 5 of 100 as published', () => {
    expect(rateInterval(0, 3000, 0.95, 'clopper-pearson').upper).to.be.closeTo(1 - 0.05 ** (1 / 3000), 1e-12);
    const five = rateInterval(5, 100, 0.95, 'clopper-pearson');
    expect(five.upper).to.be.closeTo(0.1023, 1e-4);
    expect(five.lower).to.be.closeTo(0.0199, 1e-4);
  });

  it('Wilson: 0 of n bounds the rate by z²/(n + z²)', () => {
    const z = normalQuantile(0.95);
    expect(rateInterval(0, 150, 0.95, 'wilson').upper).to.be.closeTo((z * z) / (150 + z * z), 1e-12);
  });

  it('samples needed: about 3,000 clean requests to show 0.1 % at 95 %, none when the observed rate is above it', () => {
    expect(rateSamplesNeeded(0, 150, 0.001, 0.95, 'clopper-pearson')).to.equal(2995);
    expect(rateSamplesNeeded(0, 150, 0.001, 0.95, 'wilson')).to.equal(2703);
    expect(rateSamplesNeeded(2, 100, 0.01, 0.95, 'clopper-pearson')).to.equal(null);
  });

  it('order statistics: p(99) has no upper bound below 299 samples; the ranks of a median', () => {
    expect(quantileRanks(50, 0.99, 0.95).upper).to.equal(null);
    expect(quantileRanks(298, 0.99, 0.95).upper).to.equal(null);
    expect(quantileRanks(299, 0.99, 0.95).upper).to.equal(299);
    // n = 100, p = 0.5: P(Bin <= 58) >= 0.95 first at 58, so X(59) bounds the median from above.
    expect(quantileRanks(100, 0.5, 0.95)).to.deep.equal({ lower: 42, upper: 59 });
  });
});

describe('evidence-sized gates', () => {
  it('a 0.1 % error bound does not pass on 14 or 150 clean requests: inconclusive, saying how many would be needed', () => {
    for (const n of [14, 150]) {
      const [r] = evaluateGate(gate({ kind: 'error-rate', bound: 0.001, minSamples: 10 }), { store: requests(n) });
      expect(r?.status, `0 failures in ${n}`).to.equal('inconclusive');
      expect(r?.samplesNeeded).to.equal(2995);
      expect(r?.reason).to.contain('about 2,995 samples in all would be needed');
      expect(r?.interval?.upper).to.be.above(0.001);
    }
  });

  it('says the samples needed as en-US writes whole numbers (2,995), without loading the locale', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 99_999 }), fc.maxSafeNat()), (n) => {
        expect(groupThousands(n)).to.equal(n.toLocaleString('en-US'));
      }),
    );
  });

  it('passes once the upper bound is within: 0 failures in 3,000', () => {
    const [r] = evaluateGate(gate({ kind: 'error-rate', bound: 0.001 }), { store: requests(3000) });
    expect(r).to.deep.include({ status: 'pass', measured: 0, samples: 3000 });
    expect(r?.interval).to.deep.include({ lower: 0, confidence: 0.95, method: 'clopper-pearson' });
    expect(r?.interval?.upper).to.be.at.most(0.001);
  });

  it('fails when the observed rate is above the bound, whatever the interval', () => {
    const [r] = evaluateGate(gate({ kind: 'error-rate', bound: 0.01, minSamples: 20 }), { store: requests(20, 1) });
    expect(r).to.deep.include({ status: 'fail', measured: 0.05 });
  });

  it('minSamples stays a floor: enough evidence below it is still inconclusive', () => {
    const [r] = evaluateGate(gate({ kind: 'error-rate', bound: 0.01, minSamples: 5000 }), { store: requests(3000) });
    expect(r?.status).to.equal('inconclusive');
    expect(r?.reason).to.contain('at least 5000 needed');
  });

  it('the confidence and the interval are configurable, per gate or for every gate', () => {
    const store = requests(2800);
    const rate = (g: GateInput) => evaluateGate(gate(g), { store })[0]?.status;
    expect(rate({ kind: 'error-rate', bound: 0.001 }), 'Clopper-Pearson needs 2,995').to.equal('inconclusive');
    expect(rate({ kind: 'error-rate', bound: 0.001, rateInterval: 'wilson' }), 'Wilson needs 2,703').to.equal('pass');
    expect(rate({ kind: 'error-rate', bound: 0.001, confidence: 0.9 }), 'at 90 %: 2,302').to.equal('pass');
    const all = gatesSchema.parse({ evidence: { confidence: 0.99 }, checks: [{ kind: 'error-rate', bound: 0.001 }] });
    expect(all.checks[0]).to.deep.include({ confidence: 0.99, rateInterval: 'clopper-pearson' });
    expect(all.failover).to.deep.include({ confidence: 0.99, rateInterval: 'clopper-pearson' });
  });

  it('p(99) on 50 samples cannot pass, however fast; on 300 it can', () => {
    const g = gate({ kind: 'latency', percentile: 99, bound: 1000, minSamples: 10 });
    const [few] = evaluateGate(g, { store: durations(50) });
    expect(few?.status).to.equal('inconclusive');
    expect(few?.interval?.upper, 'no order statistic bounds p(99) of 50').to.equal(null);
    expect(few?.samplesNeeded).to.equal(299);
    const [enough] = evaluateGate(g, { store: durations(300) });
    expect(enough).to.deep.include({ status: 'pass', samples: 300 });
    expect(enough?.interval).to.deep.include({ upper: 300, method: 'order-statistics' });
  });

  it('a percentile fails on its measured value and is inconclusive when only its upper bound is over', () => {
    const g = gate({ kind: 'latency', percentile: 90, bound: 100, minSamples: 10 });
    // 1000 samples, 9.5 % of them at 1000 ms: p(90) is 50 ms, its 95 % upper bound is 1000 ms.
    const store = durations(1000, (i) => (i >= 905 ? 1000 : 50));
    const [r] = evaluateGate(g, { store });
    expect(r?.measured).to.be.at.most(100);
    expect(r?.status).to.equal('inconclusive');
    expect(r?.samplesNeeded, 'the share under the bound barely exceeds 90 %').to.be.a('number');
    const [over] = evaluateGate(g, { store: durations(1000, (i) => (i >= 850 ? 1000 : 50)) });
    expect(over?.status).to.equal('fail');
  });

  it('sliding windows are judged by the same rule: a window without evidence leaves the group inconclusive', () => {
    const g = gate({ kind: 'latency', percentile: 99, bound: 1000, minSamples: 10, groupBy: [], window: { seconds: 1 } });
    // 10 samples a second: no window can bound p(99), though every sample is 1 ms.
    const [r] = evaluateGate(g, { store: durations(100, () => 1) });
    expect(r?.status).to.equal('inconclusive');
    expect(r?.scope.window).to.equal('every 1 s window (step 1 s)');
  });

  it('the verdict document carries the interval beside the value, and what was judged', () => {
    const results = evaluateGate(gate({ kind: 'error-rate', bound: 0.001 }), { store: requests(3000) });
    const doc = verdictDocument({ verdict: decide(results), results }, { now: () => T0 });
    expect(doc.gates[0]?.interval).to.deep.include({ lower: 0, confidence: 0.95, method: 'clopper-pearson' });
    expect(doc.gates[0]?.scope).to.deep.equal({ window: 'whole run', population: 'http_req_failed (vantage=eu)' });
  });
});
