import { expect } from 'chai';
import { gateName } from '../../../config/gates.ts';
import { type GateInput, gateSchema, gatesSchema } from '../../../config/gates-schema.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import { evaluateGate } from '../../../validations/gates/evaluate.ts';
import { mannWhitney } from '../../../validations/mann-whitney.ts';
import { SeriesStore } from '../../../validations/series.ts';

const T0 = Date.UTC(2026, 0, 1);

function storeOf(points: K6Point[]): SeriesStore {
  const s = new SeriesStore();
  for (const p of points) s.addPoint(p);
  return s;
}

const gate = (g: GateInput) => gateSchema.parse(g);

describe('gates (known answers)', () => {
  it('Mann-Whitney U matches the normal approximation with continuity and tie corrections', () => {
    const a = mannWhitney([1, 2, 3], [4, 5, 6]);
    expect(a.u).to.equal(0);
    expect(a.p).to.be.closeTo(0.0808555983700523, 1e-6);
    const b = mannWhitney([1, 2, 2], [2, 3, 4]);
    expect(b.u).to.equal(1);
    expect(b.p).to.be.closeTo(0.16415972847851523, 1e-6);
    expect(mannWhitney([5, 5], [5, 5]).p).to.equal(1);
    expect(mannWhitney([], [1]).p).to.be.NaN;
  });

  it('latency: p(90) per vantage against the bound, inconclusive below the minimum samples', () => {
    const points: K6Point[] = [];
    for (let i = 1; i <= 10; i++) points.push({ metric: 'http_req_duration', time: T0 + i, value: i * 10, tags: { vantage: 'eu' } });
    for (let i = 1; i <= 3; i++) points.push({ metric: 'http_req_duration', time: T0 + i, value: 5, tags: { vantage: 'us' } });
    const results = evaluateGate(gate({ kind: 'latency', percentile: 90, bound: 90, minSamples: 5 }), { store: storeOf(points) });
    expect(results.map((r) => [r.groupLabel, r.status, r.measured, r.samples])).to.deep.equal([
      ['vantage=eu', 'fail', 91, 10],
      ['vantage=us', 'inconclusive', 5, 3],
    ]);
  });

  it('latency over sliding windows: the worst window decides, and a thin window is inconclusive', () => {
    const points: K6Point[] = [];
    // 10 s of 10 requests a second at 10 ms, except second 6 at 500 ms.
    for (let s = 0; s < 10; s++)
      for (let i = 0; i < 10; i++)
        points.push({ metric: 'http_req_duration', time: T0 + s * 1000 + i * 100, value: s === 6 ? 500 : 10, tags: {} });
    const whole = evaluateGate(gate({ kind: 'latency', percentile: 50, bound: 100, groupBy: [], minSamples: 10 }), {
      store: storeOf(points),
    });
    expect(whole[0]).to.deep.include({ status: 'pass', measured: 10 });
    const windowed = evaluateGate(
      gate({ kind: 'latency', percentile: 50, bound: 100, groupBy: [], minSamples: 10, window: { seconds: 2 } }),
      { store: storeOf(points) },
    );
    expect(windowed[0]).to.deep.include({ status: 'fail', samples: 20 });
    expect(windowed[0]?.window).to.deep.equal({ start: T0 + 5000, end: T0 + 7000 });
    const thin = evaluateGate(gate({ kind: 'latency', percentile: 50, bound: 1000, groupBy: [], minSamples: 15, window: { seconds: 1 } }), {
      store: storeOf(points),
    });
    expect(thin[0]?.status).to.equal('inconclusive');
  });

  it('error rate over sliding windows catches a burst the whole-run rate hides', () => {
    const points: K6Point[] = [];
    for (let s = 0; s < 600; s++)
      for (let i = 0; i < 10; i++)
        points.push({
          metric: 'http_req_failed',
          time: T0 + s * 1000 + i * 100,
          value: s === 300 && i < 5 ? 1 : 0,
          tags: { vantage: 'eu' },
        });
    const store = storeOf(points);
    const whole = evaluateGate(gate({ kind: 'error-rate', bound: 0.01 }), { store })[0];
    expect(whole, '5 errors in 6000: the upper bound is well under 1 %').to.deep.include({ status: 'pass', measured: 5 / 6000 });
    expect(whole?.interval?.upper).to.be.below(0.01);
    expect(evaluateGate(gate({ kind: 'error-rate', bound: 0.01, window: { seconds: 10 }, minSamples: 50 }), { store })[0]).to.deep.include({
      status: 'fail',
      measured: 5 / 100,
    });
  });

  it('replication: lag percentile per region pair and lost writes', () => {
    const points: K6Point[] = [];
    for (let i = 0; i < 20; i++)
      points.push({ metric: 'replication_lag_ms', time: T0 + i, value: 100 + i, tags: { from: 'us-east-1', to: 'eu-west-1' } });
    const ok = evaluateGate(gate({ kind: 'replication', percentile: 50, bound: 200 }), { store: storeOf(points) });
    expect(ok.map((r) => [r.measure, r.status, r.measured])).to.deep.equal([
      ['p(50) replication_lag_ms', 'pass', 109.5],
      ['lost writes (lost_writes)', 'pass', 0],
    ]);
    points.push({ metric: 'lost_writes', time: T0, value: 2, tags: { from: 'us-east-1', to: 'eu-west-1' } });
    const lost = evaluateGate(gate({ kind: 'replication', percentile: 50, bound: 200 }), { store: storeOf(points) });
    expect(lost[1]).to.deep.include({ status: 'fail', measured: 2, samples: 22 });
  });

  it('replication: lost writes add up to the same number whatever order their points arrive in', () => {
    // Floating-point addition depends on its order: 1 + 1 + 3.2e-15 is 2, 3.2e-15 + 1 + 1 is 2.0000000000000004.
    const lost = [1, 1, 3.2196467714129544e-15].map((value) => ({ metric: 'lost_writes', time: T0, value, tags: {} }));
    const measured = (points: K6Point[]) =>
      evaluateGate(gate({ kind: 'replication', bound: 200 }), { store: storeOf(points) }).at(-1)?.measured;
    expect(measured([...lost].reverse())).to.equal(measured(lost));
  });

  it('comparison: fails a candidate significantly and materially slower than the baseline, passes a similar one', () => {
    const points: K6Point[] = [];
    for (let i = 0; i < 100; i++) {
      points.push({ metric: 'http_req_duration', time: T0 + i, value: 50 + (i % 10), tags: { target_region: 'us-west-2' } });
      points.push({ metric: 'http_req_duration', time: T0 + i, value: 50 + ((i * 7) % 10), tags: { target_region: 'eu-west-1' } });
      points.push({ metric: 'http_req_duration', time: T0 + i, value: 80 + (i % 10), tags: { target_region: 'us-east-1' } });
    }
    const store = storeOf(points);
    const slow = evaluateGate(gate({ kind: 'comparison', candidate: 'us-east-1' }), { store })[0];
    // 30 ms slower (Hodges-Lehmann), its interval beyond the 20 % of the baseline's 54.5 ms median that is allowed.
    expect(slow).to.deep.include({ status: 'fail', groupLabel: 'target_region=us-east-1', measured: 30 });
    expect(slow?.bound).to.be.closeTo(0.2 * 54.5, 1e-9);
    expect(slow?.interval?.lower).to.be.above(slow?.bound as number);
    const same = evaluateGate(gate({ kind: 'comparison', candidate: 'us-west-2', baseline: ['eu-west-1'] }), { store })[0];
    expect(same).to.deep.include({ status: 'pass', measured: 0 });
    expect(evaluateGate(gate({ kind: 'comparison' }), { store })[0]?.status).to.equal('inconclusive');
    expect(evaluateGate(gate({ kind: 'comparison', candidate: 'us-east-1', minSamples: 500 }), { store })[0]?.status).to.equal(
      'inconclusive',
    );
  });
});

describe('gate names', () => {
  it('derives a name from the kind when none is given', () => {
    expect(gateName(gate({ kind: 'latency', percentile: 95, bound: 500 }))).to.equal('latency-p95');
    expect(gateName(gate({ kind: 'error-rate', bound: 0.01 }))).to.equal('error-rate');
    expect(
      gateName(gate({ kind: 'cloudwatch', namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', bound: 10 })),
    ).to.equal('cloudwatch-AWS-ApplicationELB-HTTPCode_Target_5XX_Count');
    expect(gateName(gate({ kind: 'error-rate', bound: 0.01, name: 'checkout-errors' }))).to.equal('checkout-errors');
  });

  it('refuses two gates under one name, given or derived, naming both places', () => {
    const parsed = gatesSchema.safeParse({
      checks: [
        { kind: 'error-rate', bound: 0.01 },
        { kind: 'error-rate', bound: 0.05, where: { vantage: 'vantage-eu' } },
        { kind: 'latency', percentile: 99, bound: 800, name: 'slo' },
        { kind: 'latency', percentile: 95, bound: 300, name: 'slo' },
        { kind: 'latency', percentile: 90, bound: 300 },
      ],
    });
    expect(parsed.success, 'two gates of one name are refused').to.equal(false);
    const issues = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).to.deep.equal([
      'checks.1.name: expected a name no other gate has; checks[0] is also "error-rate" (the default for its kind)',
      'checks.3.name: expected a name no other gate has; checks[2] is also "slo"',
    ]);
  });
});
