import { expect } from 'chai';
import { failoverGateSchema } from '../../../config/gates-schema.ts';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import {
  clientSeenFailover,
  failoverTimeline,
  type HealthObservation,
  type RequestSample,
  requestsByVantage,
} from '../../../validations/failover-timeline.ts';
import { evaluateFailover } from '../../../validations/gates/failover.ts';
import { SeriesStore } from '../../../validations/series.ts';
import { decide } from '../../../validations/verdict.ts';

const T0 = Date.UTC(2026, 0, 1);
const s = (sec: number): number => T0 + sec * 1000;

/** A hand-built run: us-east-1 faulted from 100 s to 200 s; vantage `us` fails over, vantage `eu` never notices. */
function world() {
  const store = new SeriesStore();
  const req = (vantage: string, sec: number, failed: boolean, servedBy: string) =>
    store.addPoint({
      metric: 'request_failed',
      time: s(sec),
      value: failed ? 1 : 0,
      tags: { vantage, served_by: servedBy, scenario: 'global-traffic' },
    });
  for (let t = 40; t < 300; t++) {
    if (t < 100) req('us', t, false, 'us-east-1');
    else if (t < 110) req('us', t, true, 'unknown');
    else if (t === 110) req('us', t, false, 'us-west-2');
    else if (t === 111) req('us', t, true, 'unknown');
    else if (t < 215) req('us', t, false, 'us-west-2');
    else req('us', t, false, 'us-east-1');
    req('eu', t, false, 'eu-west-1');
  }
  const fault: FaultEvent = { id: 'f1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: s(100), undoneAt: s(200) };
  const health: HealthObservation[] = [];
  for (let t = 40; t < 300; t++) health.push({ time: s(t), region: 'us-east-1', healthy: t < 105 || t >= 203 });
  return { store, fault, health };
}

describe('failover timeline (hand-built series, known answers)', () => {
  const gate = failoverGateSchema.parse({ kind: 'failover', minSamples: 3 });
  const options = { successWindowMs: 5000, baselineMs: 60_000, rebalanceWindowMs: 5000, rebalanceTolerance: 0.1 };

  it('measures detection, client-seen failover, transition errors and rebalance exactly', () => {
    const { store, fault, health } = world();
    const requests = requestsByVantage(store, { metric: 'request_failed', vantageTag: 'vantage', servedByTag: 'served_by' });
    const [t] = failoverTimeline(requests, [fault], health, options);
    expect(t?.detectionMs).to.equal(5000);
    const us = t?.vantages.find((v) => v.vantage === 'us');
    expect(us).to.deep.include({
      failoverAt: s(112),
      failoverMs: 12_000,
      samples: 17,
      rebalancedAt: s(215),
      rebalanceMs: 15_000,
      baselineRequests: 60,
    });
    expect(us?.transition).to.deep.equal({ requests: 12, failed: 11, rate: 11 / 12 });
    expect(us?.baselineShare).to.deep.equal({ 'us-east-1': 1 });
    const eu = t?.vantages.find((v) => v.vantage === 'eu');
    expect(eu).to.deep.include({ failoverAt: s(100), failoverMs: 0, samples: 5, rebalancedAt: s(200), rebalanceMs: 0 });
    expect(eu?.transition).to.deep.equal({ requests: 0, failed: 0, rate: 0 });
  });

  it('turns the timeline into gate results with the right statuses, for the affected vantage only', () => {
    const { store, fault, health } = world();
    const results = evaluateFailover(store, gate, [fault], health);
    const pick = (measure: string, vantage?: string) => results.find((r) => r.measure === measure && r.group.vantage === vantage);
    expect(pick('detection time')).to.deep.include({ status: 'pass', measured: 5, samples: 6 });
    expect(pick('client-seen failover time', 'us')).to.deep.include({ status: 'pass', measured: 12 });
    expect(pick('transition error rate', 'us')).to.deep.include({ status: 'fail', measured: 11 / 12 });
    expect(pick('rebalance time', 'us')).to.deep.include({ status: 'pass', measured: 15 });
    expect(
      results.filter((r) => r.group.vantage === 'eu'),
      'eu was never served by us-east-1: nothing to fail over, nothing judged',
    ).to.deep.equal([]);
    expect(decide(results).kind).to.equal('rollback');
  });

  it('judges only affected vantages: one served by the faulted region in its own baseline', () => {
    const { store, fault, health } = world();
    const requests = requestsByVantage(store, { metric: 'request_failed', vantageTag: 'vantage', servedByTag: 'served_by' });
    const [t] = failoverTimeline(requests, [fault], health, options);
    expect(t?.vantages.map((v) => [v.vantage, v.affected, v.baselineFromFaulted])).to.deep.equal([
      ['eu', false, 0],
      ['us', true, 60],
    ]);
    const results = evaluateFailover(store, gate, [fault], health);
    for (const r of results.filter((x) => x.group.vantage !== undefined))
      expect(r.scope.population, 'each result says whose requests it judged').to.match(/^requests from us \(60 served by us-east-1/);
  });

  it('with no affected vantage the drill tested nothing: inconclusive, never approved', () => {
    // Only vantage eu, which eu-west-1 always served, while us-east-1 is faulted and detected at once.
    const store = new SeriesStore();
    for (let t = 40; t < 300; t++)
      store.addPoint({ metric: 'request_failed', time: s(t), value: 0, tags: { vantage: 'vantage-eu', served_by: 'eu-west-1' } });
    const fault: FaultEvent = { id: 'f1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: s(100), undoneAt: s(200) };
    const health: HealthObservation[] = [];
    for (let t = 40; t < 300; t++) health.push({ time: s(t), region: 'us-east-1', healthy: t < 101 || t >= 201 });
    const results = evaluateFailover(store, gate, [fault], health);
    const verdict = decide(results);
    expect(verdict.kind).to.equal('inconclusive');
    expect(verdict.kind === 'inconclusive' && verdict.reasons.map((r) => r.message)).to.deep.equal([
      'client-seen failover time [fault=f1]: no vantage was served by us-east-1 before the fault (vantage-eu): the drill tested nothing',
    ]);
  });

  it('fails a vantage that never fails over once the data covers the bound, and is inconclusive before', () => {
    const rs: RequestSample[] = [];
    for (let t = 0; t < 200; t++) rs.push({ time: s(t), failed: t >= 100, servedBy: t >= 100 ? 'unknown' : 'us-east-1' });
    const fault: FaultEvent = { id: 'f', kind: 'fis-experiment', region: 'us-east-1', appliedAt: s(100) };
    expect(clientSeenFailover(rs, fault, [fault], 5000)).to.equal(null);
    const store = new SeriesStore();
    for (const r of rs)
      store.addPoint({ metric: 'request_failed', time: r.time, value: r.failed ? 1 : 0, tags: { vantage: 'v', served_by: r.servedBy } });
    const fo = evaluateFailover(store, gate, [fault], []).find((r) => r.measure === 'client-seen failover time');
    expect(fo).to.deep.include({ status: 'fail', measured: null });
    const short = failoverGateSchema.parse({ kind: 'failover', minSamples: 3, failoverSeconds: 600 });
    expect(evaluateFailover(store, short, [fault], []).find((r) => r.measure === 'client-seen failover time')?.status).to.equal(
      'inconclusive',
    );
    // No health data at all: detection cannot be judged.
    expect(evaluateFailover(store, gate, [fault], []).find((r) => r.measure === 'detection time')?.status).to.equal('inconclusive');
  });

  it('does not count a success from the faulted region, nor a window that only opens after the restore', () => {
    const rs: RequestSample[] = [];
    for (let t = 0; t < 60; t++) rs.push({ time: s(t), failed: false, servedBy: 'us-east-1' });
    const fault: FaultEvent = { id: 'f', kind: 'invert-health-check', region: 'us-east-1', appliedAt: s(10), undoneAt: s(30) };
    expect(clientSeenFailover(rs, fault, [fault], 5000)).to.equal(null);
    const healed: FaultEvent = { ...fault, undoneAt: undefined };
    expect(clientSeenFailover(rs, healed, [healed], 5000)).to.equal(null);
  });

  it('is inconclusive with no faults', () => {
    const { store } = world();
    const results = evaluateFailover(store, gate, [], []);
    expect(results).to.have.length(1);
    expect(results[0]?.status).to.equal('inconclusive');
  });
});
