import { expect } from 'chai';
import fc from 'fast-check';
import { type Gate, type GateInput, gateSchema } from '../../../config/gates-schema.ts';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import { quantileRanks, rateUpperBound } from '../../../validations/evidence.ts';
import type { HealthObservation } from '../../../validations/failover-timeline.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';
import { percentileSorted, SeriesStore } from '../../../validations/series.ts';
import { decide } from '../../../validations/verdict.ts';

// The promise behind APPROVED, checked on random runs: no verdict approves unless every rate and percentile result
// that passed had its bound shown by a one-sided confidence bound (recomputed here from the raw requests, not taken
// from the result), and every failover result judged a vantage that the faulted region served before the fault.

const T0 = Date.UTC(2026, 0, 1);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;
const RUN_MS = 60_000;

interface Request {
  vantage: string;
  time: number;
  failed: boolean;
  servedBy: string;
  durationMs: number;
}

interface Run {
  requests: Request[];
  fault: FaultEvent;
  health: HealthObservation[];
  gates: Gate[];
}

/** How one vantage's traffic goes: its volume, home region, errors, and what the fault does to it. */
const vantageArb = (clean: boolean) =>
  fc.record({
    count: clean ? fc.integer({ min: 500, max: 3000 }) : fc.integer({ min: 0, max: 3000 }),
    home: fc.constantFrom(...REGIONS),
    failures: clean ? fc.constant(0) : fc.constantFrom(0, 0, 1, 5),
    drainMs: fc.integer({ min: clean ? 1000 : 0, max: 4000 }),
    outageMs: clean ? fc.constant(0) : fc.constantFrom(0, 0, 200, 3000),
    slowShare: clean ? fc.constant(0) : fc.constantFrom(0, 0.001, 0.02, 0.2),
  });

const rule = { confidence: fc.constantFrom(0.9, 0.95, 0.99), rateInterval: fc.constantFrom('clopper-pearson' as const, 'wilson' as const) };
const windowArb = fc.option(fc.record({ seconds: fc.integer({ min: 5, max: 30 }), stepSeconds: fc.integer({ min: 1, max: 10 }) }), {
  nil: undefined,
  freq: 3,
});

const gatesArb = (clean: boolean): fc.Arbitrary<Gate[]> =>
  fc
    .tuple(
      fc.record({
        kind: fc.constant('error-rate' as const),
        metric: fc.constant('request_failed'),
        bound: clean ? fc.constantFrom(0.01, 0.05, 0.2) : fc.constantFrom(0.001, 0.01, 0.05, 0.2),
        minSamples: fc.integer({ min: 1, max: 200 }),
        window: windowArb,
        ...rule,
      }),
      fc.record({
        kind: fc.constant('latency' as const),
        metric: fc.constant('request_duration'),
        percentile: clean ? fc.constantFrom(50, 90, 95, 99) : fc.constantFrom(50, 90, 95, 99, 99.9),
        bound: clean ? fc.constant(1000) : fc.constantFrom(50, 200, 1000),
        minSamples: fc.integer({ min: 1, max: 200 }),
        window: windowArb,
        confidence: rule.confidence,
      }),
      fc.record({
        kind: fc.constant('failover' as const),
        successWindowSeconds: fc.constantFrom(1, 2, 5),
        transitionErrorRate: clean ? fc.constantFrom(0.05, 0.5) : fc.constantFrom(0.001, 0.05, 0.5, 1),
        failoverSeconds: clean ? fc.constant(60) : fc.constantFrom(2, 10, 60),
        baselineSeconds: fc.constantFrom(5, 20, 60),
        minSamples: fc.integer({ min: 1, max: 50 }),
        ...rule,
      }),
    )
    .map((gs) => gs.map((g) => gateSchema.parse(JSON.parse(JSON.stringify(g)) as GateInput)));

/**
 * Random runs; one in three is built to be healthy (no errors, no slow requests, a restore), so that approvals, the
 * case the property is about, are reached often, while evidence can still be short of what the bounds need.
 */
const runArb: fc.Arbitrary<Run> = fc.boolean().chain((clean) =>
  fc
    .record({
      vantages: fc.array(vantageArb(clean), { minLength: 1, maxLength: 3 }),
      faultAt: clean ? fc.integer({ min: 20_000, max: 30_000 }) : fc.integer({ min: 0, max: 50_000 }),
      faultFor: clean
        ? fc.integer({ min: 5000, max: 20_000 })
        : fc.option(fc.integer({ min: 1000, max: 30_000 }), { nil: undefined, freq: 5 }),
      faulted: fc.option(fc.constantFrom(...REGIONS), { nil: undefined, freq: clean ? 1 : 2 }),
      detectAfter: fc.integer({ min: 0, max: 5000 }),
      gates: gatesArb(clean),
      seed: fc.integer(),
    })
    .map(build),
);

function build(p: {
  vantages: { count: number; home: string; failures: number; drainMs: number; outageMs: number; slowShare: number }[];
  faultAt: number;
  faultFor: number | undefined;
  faulted: string | undefined;
  detectAfter: number;
  gates: Gate[];
  seed: number;
}): Run {
  // Mostly a region some vantage calls home (the drill tests something), sometimes any region.
  const faulted = p.faulted ?? (p.vantages[0]?.home as string);
  const appliedAt = T0 + p.faultAt;
  const undoneAt = p.faultFor === undefined ? undefined : appliedAt + p.faultFor;
  const fault: FaultEvent = { id: 'f1', kind: 'invert-health-check', region: faulted, appliedAt, undoneAt };
  let x = p.seed >>> 0;
  const random = () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return x / 2 ** 32;
  };
  const requests: Request[] = [];
  p.vantages.forEach((v, i) => {
    const survivor = REGIONS.find((r) => r !== faulted) as string;
    for (let k = 0; k < v.count; k++) {
      const time = T0 + Math.floor((k * RUN_MS) / Math.max(1, v.count));
      const during = time >= appliedAt && (undoneAt === undefined || time < undoneAt);
      // An affected vantage is still served by the faulted region until its DNS answer expires, then sees an outage,
      // then a survivor serves it.
      const hit = during && v.home === faulted;
      const draining = hit && time < appliedAt + v.drainMs;
      const out = hit && !draining && time < appliedAt + v.drainMs + v.outageMs;
      requests.push({
        vantage: `vantage-${i}`,
        time,
        failed: out || k < v.failures,
        servedBy: out ? 'unknown' : hit && !draining ? survivor : v.home,
        durationMs: random() < v.slowShare ? 2000 : 5 + random() * 40,
      });
    }
  });
  const health: HealthObservation[] = [];
  for (let t = T0; t < T0 + RUN_MS; t += 250) {
    const down = t >= appliedAt + p.detectAfter && (undoneAt === undefined || t < undoneAt);
    health.push({ time: t, region: faulted, healthy: !down });
  }
  return { requests, fault, health, gates: p.gates };
}

function storeOf(requests: readonly Request[]): SeriesStore {
  const store = new SeriesStore();
  for (const r of requests) {
    const tags = { vantage: r.vantage, served_by: r.servedBy };
    store.addPoint({ metric: 'request_failed', time: r.time, value: r.failed ? 1 : 0, tags });
    store.addPoint({ metric: 'request_duration', time: r.time, value: r.durationMs, tags });
  }
  return store;
}

/** The requests a result judged, taken from the raw run by its group and window (independently of the gate code). */
function judged(run: Run, r: GateResult): Request[] {
  const vantage = r.group.vantage;
  const w = r.window;
  return run.requests.filter(
    (q) => (vantage === undefined || q.vantage === vantage) && (w === undefined || (q.time >= w.start && q.time < w.end)),
  );
}

/** Rule 1, recomputed: the one-sided upper bound of what a passing result judged lies within its bound. */
function expectEvidence(run: Run, r: GateResult, gate: Gate): void {
  const confidence = (gate as { confidence?: number }).confidence ?? 0.95;
  const method = (gate as { rateInterval?: 'clopper-pearson' | 'wilson' }).rateInterval ?? 'clopper-pearson';
  const qs = judged(run, r);
  expect(qs.length, `${r.reason}: samples`).to.equal(r.samples);
  expect(qs.length, `${r.reason}: the floor`).to.be.at.least(r.minSamples);
  if (r.kind === 'error-rate' || r.measure === 'transition error rate') {
    const failed = qs.filter((q) => q.failed).length;
    expect(rateUpperBound(failed, qs.length, confidence, method), `${r.reason}: upper bound within ${r.bound}`).to.be.at.most(r.bound);
  }
  if (r.kind === 'latency' && gate.kind === 'latency') {
    const sorted = Float64Array.from(qs.map((q) => q.durationMs)).sort();
    const rank = quantileRanks(sorted.length, gate.percentile / 100, confidence).upper;
    expect(rank, `${r.reason}: an order statistic bounds p(${gate.percentile})`).to.not.equal(null);
    expect(sorted[(rank as number) - 1], `${r.reason}: its value within ${r.bound}`).to.be.at.most(r.bound);
    expect(percentileSorted(sorted, gate.percentile)).to.equal(r.measured);
  }
}

/** Rule 2, recomputed: the faulted region served the judged vantage in its own baseline. */
function expectAffected(run: Run, r: GateResult, gate: Gate): void {
  if (gate.kind !== 'failover' || r.group.vantage === undefined) return;
  const from = run.fault.appliedAt - gate.baselineSeconds * 1000;
  const served = run.requests.some(
    (q) => q.vantage === r.group.vantage && q.time >= from && q.time < run.fault.appliedAt && q.servedBy === run.fault.region,
  );
  expect(served, `${r.reason}: ${r.group.vantage} was served by ${run.fault.region} before the fault`).to.equal(true);
}

describe('APPROVED means evidence (property)', () => {
  it('no verdict approves unless every approving rate and percentile showed its bound and every failover result came from an affected vantage', function () {
    this.timeout(120_000);
    const seen = { approve: 0, rollback: 0, inconclusive: 0 };
    let failoverJudged = 0;
    fc.assert(
      fc.property(runArb, (run) => {
        const results = evaluateGates(run.gates, { store: storeOf(run.requests), faults: [run.fault], health: run.health });
        const verdict = decide(results);
        seen[verdict.kind]++;
        for (const r of results) {
          const gate = run.gates.find((g) => g.kind === r.kind) as Gate;
          expectAffected(run, r, gate);
          if (r.group.vantage !== undefined && r.kind === 'failover') failoverJudged++;
          if (verdict.kind === 'approve') {
            expect(r.status).to.equal('pass');
            if (r.kind !== 'failover' || r.measure === 'transition error rate') expectEvidence(run, r, gate);
          }
        }
      }),
      { numRuns: 100 },
    );
    // Not vacuous: every verdict is reached, and failover results were judged.
    for (const kind of ['approve', 'rollback', 'inconclusive'] as const)
      expect(seen[kind], `${kind} verdicts generated`).to.be.greaterThan(0);
    expect(failoverJudged, 'failover results from vantages').to.be.greaterThan(0);
  });
});
