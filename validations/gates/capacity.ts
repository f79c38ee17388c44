import type { CapacityGate } from '../../config/gates-schema.ts';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import { detection, type HealthObservation } from '../failover-timeline.ts';
import { type SeriesStore, sortedCopy } from '../series.ts';
import { evidenceRule, type GateResult, judgePercentile, noData, percentileBase, populationOf } from './gate-result.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Survivor capacity: per fault and per survivor, the latency percentile of the requests the survivor served from the
 * fault's detection (when clients started moving to the survivors) to its restore (or the end of the data), by the
 * evidence rule. A fault never detected has no such window: inconclusive. A survivor that served nothing in it is
 * reported as inconclusive too, never left out.
 */
export function evaluateCapacity(
  store: SeriesStore,
  gate: CapacityGate,
  faults: readonly FaultEvent[],
  health: readonly HealthObservation[],
): GateResult[] {
  const rule = evidenceRule(gate);
  const base = percentileBase(gate);
  if (faults.length === 0) {
    return [
      noData({ ...base, scope: { window: 'detection → restore', population: populationOf(gate.metric, gate.where) } }, 'no applied faults'),
    ];
  }
  const span = store.span();
  const results: GateResult[] = [];
  for (const fault of faults) {
    const faulted = new Set(faults.map((f) => f.region));
    const survivors =
      gate.survivors ??
      store.tagValues(gate.metric, gate.servedByTag, gate.where).filter((r) => !faulted.has(r) && r !== 'unknown' && r !== '');
    const { detectedAt } = detection(fault, health);
    const end = fault.undoneAt ?? (span ? span.end + 1 : fault.appliedAt);
    for (const survivor of survivors) {
      const group = { fault: fault.id, [gate.servedByTag]: survivor };
      const groupLabel = `fault=${fault.id},${gate.servedByTag}=${survivor}`;
      const population = populationOf(gate.metric, { ...gate.where, [gate.servedByTag]: survivor });
      if (detectedAt === null) {
        results.push({
          ...base,
          group,
          groupLabel,
          scope: { window: 'detection → restore (never detected)', population },
          measured: null,
          samples: 0,
          status: 'inconclusive',
          reason: `${base.measure} [${groupLabel}]: ${fault.region} was never reported unhealthy, so the load never shifted to ${survivor} in a known window`,
        });
        continue;
      }
      const window = { start: detectedAt, end };
      const values: number[] = [];
      for (const g of store.select(gate.metric, { where: { ...gate.where, [gate.servedByTag]: survivor } }))
        for (let i = 0; i < g.times.length; i++) {
          const t = g.times[i] as number;
          if (t >= window.start && t < window.end) values.push(g.values[i] as number);
        }
      const scope = {
        window: `detection ${iso(window.start)} → ${fault.undoneAt === undefined ? 'end of data' : 'restore'} ${iso(window.end)}`,
        population,
      };
      results.push(judgePercentile({ ...base, group, groupLabel, scope, window }, sortedCopy(values), gate.percentile, rule));
    }
  }
  return results;
}
