import { expect } from 'chai';
import { gamedaySchema } from '../../../config/gameday-schema.ts';
import { type DependencyDownGate, dependencyDownGateSchema } from '../../../config/gates-schema.ts';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import { deepHealthWatched, dependencyGates } from '../../../pipelines/gameday-gates.ts';
import { buildGamedayPlan } from '../../../pipelines/gameday-plan.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';
import { SeriesStore } from '../../../validations/series.ts';

// A dependency-down drill: the database of us-east-1 is broken through FIS; its deep health must answer 503 within a
// bound of the fault and serve again within a bound of the restore, as the regional probe saw it.

const T0 = Date.UTC(2026, 0, 1);
const FAULT: FaultEvent = { id: 'f-1', kind: 'fis-experiment', region: 'us-east-1', appliedAt: T0 + 10_000, undoneAt: T0 + 30_000 };
const gate = (over: Partial<DependencyDownGate> = {}) =>
  dependencyDownGateSchema.parse({
    kind: 'dependency-down',
    region: 'us-east-1',
    dependency: 'database',
    downSeconds: 5,
    recoverySeconds: 5,
    ...over,
  });

/** Health answers of us-east-1 every 100 ms over 40 s: serving, except from `downAt` to `upAt` (ms after T0). */
function health(downAt: number | null, upAt: number): SeriesStore {
  const store = new SeriesStore();
  for (let t = 0; t < 40_000; t += 100) {
    const down = downAt !== null && t >= downAt && t < upAt;
    store.add('health_ok', { target_region: 'us-east-1' }, T0 + t, down ? 0 : 1);
    store.add('health_ok', { target_region: 'us-west-2' }, T0 + t, 1);
  }
  return store;
}

const byMeasure = (results: GateResult[]) => Object.fromEntries(results.map((r) => [r.measure.split(' (')[0], r]));

describe('dependency-down gate (deep health 503 within a bound of the fault, serving again after the restore)', () => {
  it('passes a region whose deep health went 503 1.2 s after the fault and served again 0.8 s after the restore', () => {
    const results = evaluateGates([gate()], { store: health(11_200, 30_800), faults: [FAULT] });
    const r = byMeasure(results);
    expect(r['deep health down time']).to.include({ status: 'pass', measured: 1.2 });
    expect(r['deep health recovery time']).to.include({ status: 'pass', measured: 0.8 });
    expect(r['deep health down time']?.scope.window, 'says which window it judged').to.match(/^t_fault .* → first answer not serving/);
  });

  it('fails a region whose deep health kept answering 200 with its database broken, and one that never recovered', () => {
    const never = byMeasure(evaluateGates([gate()], { store: health(null, 0), faults: [FAULT] }));
    expect(never['deep health down time']?.status, 'still serving 20 s into a 5 s bound').to.equal('fail');
    expect(never['deep health down time']?.reason).to.include('never answered 503 with database broken');
    const late = byMeasure(evaluateGates([gate()], { store: health(17_000, 40_000), faults: [FAULT] }));
    expect(late['deep health down time']).to.include({ status: 'fail', measured: 7 });
    expect(late['deep health recovery time']?.status, 'no serving answer in the 10 s after the restore').to.equal('fail');
  });

  it('cannot pass a region that was already down before the fault, nor one where no fault was applied', () => {
    const already = byMeasure(evaluateGates([gate()], { store: health(0, 30_500), faults: [FAULT] }));
    expect(already['deep health down time']?.status).to.equal('inconclusive');
    expect(already['deep health down time']?.reason).to.include('already not serving before the fault');
    const elsewhere = evaluateGates([gate({ region: 'us-west-2' })], { store: health(11_000, 30_500), faults: [FAULT] });
    expect(elsewhere.map((x) => x.status)).to.deep.equal(['inconclusive']);
  });

  it('a drill with a dependency-down fault watches that region and carries the targets', () => {
    const gameday = gamedaySchema.parse({
      phases: [
        { kind: 'baseline', duration: '5s' },
        { kind: 'inject', faults: [{ kind: 'dependency-down', dependency: 'database', template: 'db-blackhole' }] },
        { kind: 'observe', duration: '10s' },
        { kind: 'restore' },
        { kind: 'verify-rebalance', duration: '10s' },
      ],
      targets: { deepHealthSeconds: 8, recoverySeconds: 12 },
    });
    const plan = buildGamedayPlan(gameday, ['us-east-1', 'us-west-2']);
    expect(deepHealthWatched(plan)).to.deep.equal(['us-east-1']);
    expect(dependencyGates(gameday, plan)[0]).to.deep.include({
      region: 'us-east-1',
      dependency: 'database',
      downSeconds: 8,
      recoverySeconds: 12,
    });
    expect(plan.survivors, 'the broken region is not a survivor').to.deep.equal(['us-west-2']);
  });
});
