import { expect } from 'chai';
import { gamedaySchema } from '../../../config/gameday-schema.ts';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import { gamedayGates } from '../../../pipelines/gameday-gates.ts';
import { buildGamedayPlan } from '../../../pipelines/gameday-plan.ts';
import type { HealthObservation } from '../../../validations/failover-timeline.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import { SeriesStore } from '../../../validations/series.ts';

const T0 = Date.UTC(2026, 0, 1);
const s = (sec: number) => T0 + sec * 1000;

// A drill: us-east-1 faulted at 100 s, detected at 105 s, restored at 200 s; the run goes on to 300 s.
const fault: FaultEvent = { id: 'f1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: s(100), undoneAt: s(200) };
const health: HealthObservation[] = [];
for (let t = 0; t < 300; t++) health.push({ time: s(t), region: 'us-east-1', healthy: t < 105 || t >= 203 });

const gameday = gamedaySchema.parse({ targets: { survivorLatencyMs: 500, survivorPercentile: 99 } });
const plan = buildGamedayPlan(gameday, ['us-east-1', 'us-west-2', 'eu-west-1']);
const capacity = () => gamedayGates(gameday, plan).filter((g) => g.name === 'survivor-capacity');

/** 20 requests a second served by `region` over [from, to) s, with latency `ms(t)`. */
function serve(store: SeriesStore, region: string, from: number, to: number, ms: (t: number) => number) {
  for (let t = from * 1000; t < to * 1000; t += 50)
    store.addPoint({ metric: 'request_duration', time: T0 + t, value: ms(t / 1000), tags: { vantage: 'v', served_by: region } });
}

describe('game day: survivor capacity over the window the survivors carried the load', () => {
  it('slow requests after the restore do not fail it: only [detection, restore] is judged', () => {
    const store = new SeriesStore();
    serve(store, 'us-west-2', 0, 300, (t) => (t >= 210 ? 2000 : 40));
    serve(store, 'eu-west-1', 0, 300, () => 40);
    const results = evaluateGates(capacity(), { store, faults: [fault], health });
    const west = results.find((r) => r.group.served_by === 'us-west-2');
    expect(west?.status, west?.reason).to.equal('pass');
    expect(west?.window, 'from detection to restore').to.deep.equal({ start: s(105), end: s(200) });
    expect(west?.scope.window).to.match(/^detection .* → restore /);
  });

  it('a survivor slow while it carried the load fails, however fast the rest of the run was', () => {
    const store = new SeriesStore();
    // 3 % of its requests at 900 ms while it carried the load: p(99) of that window is 900 ms, of the whole run 40 ms.
    serve(store, 'us-west-2', 0, 1000, (t) => (t >= 105 && t < 200 && Math.round(t * 20) % 33 === 0 ? 900 : 40));
    serve(store, 'eu-west-1', 0, 300, () => 40);
    const results = evaluateGates(capacity(), { store, faults: [fault], health });
    expect(results.find((r) => r.group.served_by === 'us-west-2')?.status).to.equal('fail');
  });

  it('a survivor that served nothing in the window has a row, inconclusive', () => {
    const store = new SeriesStore();
    serve(store, 'us-west-2', 0, 300, () => 40);
    serve(store, 'eu-west-1', 0, 100, () => 40);
    const results = evaluateGates(capacity(), { store, faults: [fault], health });
    expect(results.map((r) => [r.group.served_by, r.status])).to.deep.equal([
      ['us-west-2', 'pass'],
      ['eu-west-1', 'inconclusive'],
    ]);
  });

  it('a fault never detected leaves capacity inconclusive: the load never shifted in a known window', () => {
    const store = new SeriesStore();
    serve(store, 'us-west-2', 0, 300, () => 40);
    const healthy = health.map((h) => ({ ...h, healthy: true }));
    const [west] = evaluateGates(capacity(), { store, faults: [fault], health: healthy });
    expect(west?.status).to.equal('inconclusive');
    expect(west?.reason).to.contain('never reported unhealthy');
  });
});
