import { gateName } from '../../config/gates.ts';
import type { DependencyDownGate } from '../../config/gates-schema.ts';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import type { SeriesStore } from '../series.ts';
import { type GateResult, judge, noData, notReached, populationOf, type TimingFields } from './gate-result.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** One health answer: when it came, and whether it said the region serves. */
interface Answer {
  time: number;
  serving: boolean;
}

function answersOf(store: SeriesStore, gate: DependencyDownGate): Answer[] {
  const out: Answer[] = [];
  for (const g of store.select(gate.metric, { where: { ...gate.where, [gate.regionTag]: gate.region } }))
    for (let i = 0; i < g.times.length; i++) out.push({ time: g.times[i] as number, serving: g.values[i] !== 0 });
  return out.sort((a, b) => a.time - b.time);
}

/**
 * A dependency-down drill, per fault in the gate's region: from t_fault until the region's deep health first answered
 * not serving (a 503), and from the restore until it first answered serving again. A region whose deep health was not
 * serving before the fault cannot show that the fault took it down: inconclusive.
 */
export function evaluateDependencyDown(store: SeriesStore, gate: DependencyDownGate, faults: readonly FaultEvent[]): GateResult[] {
  const population = populationOf(gate.metric, { ...gate.where, [gate.regionTag]: gate.region });
  const base = { gate: gateName(gate), kind: gate.kind, op: '<=' as const, unit: 's' as const, minSamples: 1 };
  const mine = faults.filter((f) => f.region === gate.region);
  if (mine.length === 0) {
    return [
      noData(
        {
          ...base,
          measure: `deep health down time (${gate.dependency})`,
          bound: gate.downSeconds,
          scope: { window: 't_fault → 503', population },
        },
        `no fault was applied in ${gate.region}`,
      ),
    ];
  }
  const answers = answersOf(store, gate);
  return mine.flatMap((f) => {
    const common = { ...base, group: { fault: f.id, region: gate.region, dependency: gate.dependency } };
    const groupLabel = `fault=${f.id},region=${gate.region},dependency=${gate.dependency}`;
    return [
      downResult(f, answers, gate, { ...common, groupLabel }, population),
      recoveryResult(f, answers, gate, { ...common, groupLabel }, population),
    ];
  });
}

type Common = Pick<TimingFields, 'gate' | 'kind' | 'op' | 'unit' | 'minSamples' | 'group' | 'groupLabel'>;

/** From t_fault until the first answer that said the region does not serve, before the restore. */
function downResult(f: FaultEvent, answers: readonly Answer[], gate: DependencyDownGate, common: Common, population: string): GateResult {
  const until = f.undoneAt ?? Number.POSITIVE_INFINITY;
  const during = answers.filter((a) => a.time >= f.appliedAt && a.time < until);
  const firstDown = during.find((a) => !a.serving);
  const fields: TimingFields = {
    ...common,
    measure: `deep health down time (${gate.dependency})`,
    bound: gate.downSeconds,
    samples: firstDown ? during.indexOf(firstDown) + 1 : during.length,
    scope: { window: `t_fault ${iso(f.appliedAt)} → first answer not serving, before the restore`, population },
  };
  const before = answers.filter((a) => a.time < f.appliedAt).at(-1);
  if (!before?.serving) {
    return {
      ...fields,
      measured: null,
      status: 'inconclusive',
      reason: `${fields.measure} [${common.groupLabel}]: ${gate.region}'s deep health ${before ? 'was already not serving' : 'never answered'} before the fault, so the drill cannot show the fault took it down`,
    };
  }
  if (firstDown)
    return judge({ ...fields, measured: (firstDown.time - f.appliedAt) / 1000, window: { start: f.appliedAt, end: firstDown.time } });
  const horizon = during.at(-1)?.time ?? f.appliedAt;
  return notReached(fields, horizon - f.appliedAt, `${gate.region}'s deep health never answered 503 with ${gate.dependency} broken`);
}

/** From the restore until the first answer that said the region serves again. */
function recoveryResult(
  f: FaultEvent,
  answers: readonly Answer[],
  gate: DependencyDownGate,
  common: Common,
  population: string,
): GateResult {
  const fields: TimingFields = {
    ...common,
    measure: `deep health recovery time (${gate.dependency})`,
    bound: gate.recoverySeconds,
    samples: 0,
    scope: { window: `restore ${f.undoneAt === undefined ? '(never)' : iso(f.undoneAt)} → first answer serving`, population },
  };
  if (f.undoneAt === undefined) {
    return {
      ...fields,
      measured: null,
      status: 'inconclusive',
      reason: `${fields.measure} [${common.groupLabel}]: the fault was never restored`,
    };
  }
  const restoredAt = f.undoneAt;
  const after = answers.filter((a) => a.time >= restoredAt);
  const firstUp = after.find((a) => a.serving);
  const samples = firstUp ? after.indexOf(firstUp) + 1 : after.length;
  if (firstUp)
    return judge({ ...fields, samples, measured: (firstUp.time - restoredAt) / 1000, window: { start: restoredAt, end: firstUp.time } });
  return notReached(
    { ...fields, samples },
    (after.at(-1)?.time ?? restoredAt) - restoredAt,
    `${gate.region}'s deep health never answered serving again`,
  );
}
