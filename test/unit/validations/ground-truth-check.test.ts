import { expect } from 'chai';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import { type FaultTimeline, failoverTimeline, type RequestSample } from '../../../validations/failover-timeline.ts';
import { checkAgainstGroundTruth, type RouteChange } from '../../../validations/ground-truth-check.ts';

const T0 = Date.UTC(2026, 0, 1);
const s = (sec: number) => T0 + sec * 1000;
const fault: FaultEvent = { id: 'f1', kind: 'fis-experiment', region: 'us-east-1', appliedAt: s(10), undoneAt: s(30) };
const health = [
  { time: s(9), region: 'us-east-1', healthy: true },
  { time: s(12), region: 'us-east-1', healthy: false },
  { time: s(31), region: 'us-east-1', healthy: true },
];
const options = { successWindowMs: 1000, baselineMs: 10_000, rebalanceWindowMs: 1000, rebalanceTolerance: 0.1 };

/** A vantage served by `home`, failing from 10 s, then served by us-west-2 from `movedAt` s until the restore at 30 s. */
function requests(home: string, movedAt: number): RequestSample[] {
  const out: RequestSample[] = [];
  for (let t = 0; t < 40; t += 0.1) {
    const during = t >= 10 && t < 30 && home === 'us-east-1';
    out.push({ time: s(t), failed: during && t < movedAt, servedBy: during ? (t < movedAt ? 'unknown' : 'us-west-2') : home });
  }
  return out;
}

function timeline(vantages: { vantage: string; home: string; movedAt: number }[]): FaultTimeline {
  const [t] = failoverTimeline(
    vantages.map((v) => ({ vantage: v.vantage, requests: requests(v.home, v.movedAt) })),
    [fault],
    health,
    options,
  );
  return t as FaultTimeline;
}

const routes: RouteChange[] = [
  { time: s(0), vantage: 'vantage-us', from: null, to: 'us-east-1' },
  { time: s(0), vantage: 'vantage-eu', from: null, to: 'eu-west-1' },
  { time: s(13), vantage: 'vantage-us', from: 'us-east-1', to: 'us-west-2' },
  { time: s(31), vantage: 'vantage-us', from: 'us-west-2', to: 'us-east-1' },
];

describe('ground-truth check', () => {
  it('agrees when detection and each affected vantage’s failover are within the tolerance', () => {
    const t = timeline([
      { vantage: 'vantage-us', home: 'us-east-1', movedAt: 13 },
      { vantage: 'vantage-eu', home: 'eu-west-1', movedAt: 0 },
    ]);
    const check = checkAgainstGroundTruth(t, { routes, health }, 500);
    expect(check.problems).to.deep.equal([]);
    expect(check.ok, 'the client-seen failover matches the ground truth').to.equal(true);
    expect(
      check.vantages.map((v) => v.vantage),
      'only the affected vantage is compared',
    ).to.deep.equal(['vantage-us']);
    expect(check.detection).to.deep.include({ groundTruthAt: s(12), differenceMs: 0 });
  });

  it('fails when it compares nothing: no vantage was on the faulted region when the fault hit', () => {
    const t = timeline([{ vantage: 'vantage-eu', home: 'eu-west-1', movedAt: 0 }]);
    const check = checkAgainstGroundTruth(t, { routes: routes.filter((r) => r.vantage === 'vantage-eu'), health }, 500);
    expect(check.ok, 'a check that compared nothing does not hold').to.equal(false);
    expect(check.problems).to.deep.equal(['no vantage was routed to us-east-1 when the fault hit: nothing was compared']);
  });

  it('fails when a measured failover is off by more than the tolerance, or a rerouted vantage was never measured', () => {
    const late = timeline([{ vantage: 'vantage-us', home: 'us-east-1', movedAt: 14 }]);
    expect(checkAgainstGroundTruth(late, { routes, health }, 500).ok, '1 s late').to.equal(false);
    expect(checkAgainstGroundTruth(late, { routes, health }, 1500).ok, 'within 1.5 s').to.equal(true);
    const missing = timeline([{ vantage: 'vantage-eu', home: 'eu-west-1', movedAt: 0 }]);
    const check = checkAgainstGroundTruth(missing, { routes, health }, 500);
    expect(check.problems).to.deep.equal(['vantage-us: routed to us-east-1 by the ground truth, but not judged affected']);
  });
});
