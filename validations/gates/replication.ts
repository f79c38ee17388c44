import { gateName } from '../../config/gates.ts';
import type { ReplicationGate } from '../../config/gates-schema.ts';
import { type SeriesStore, sortedCopy } from '../series.ts';
import { evidenceRule, type GateResult, judge, judgePercentile, noData, percentileBase, populationOf } from './gate-result.ts';

/**
 * Observed replication lag (write in one region, first read in another that sees it) per region pair, and lost
 * writes. Lost writes must be exactly 0; the evidence for that is the writes that were checked (lag samples plus
 * lost ones), so a run that checked too few writes is inconclusive rather than a pass.
 */
export function evaluateReplication(store: SeriesStore, gate: ReplicationGate): GateResult[] {
  const name = gateName(gate);
  const lagBase = percentileBase(gate);
  const rule = evidenceRule(gate);
  const groups = store.select(gate.metric, { where: gate.where, groupBy: gate.groupBy });
  const scope = (label?: string) => ({ window: 'whole run', population: populationOf(gate.metric, gate.where, label) });
  const results: GateResult[] = groups.length
    ? groups.map((g) =>
        judgePercentile(
          { ...lagBase, group: g.key, groupLabel: g.label, scope: scope(g.label) },
          sortedCopy(g.values),
          gate.percentile,
          rule,
        ),
      )
    : [noData({ ...lagBase, scope: scope() }, `no ${gate.metric} points match`)];
  const lostValues: number[] = [];
  for (const g of store.select(gate.lostWritesMetric, { where: gate.where })) for (const v of g.values) lostValues.push(v);
  const lostPoints = lostValues.length;
  // Summed in value order, not in the order the files were read: floating-point addition depends on its order, and
  // a verdict must be the same whatever order the runners' files are given in.
  let lost = 0;
  for (const v of sortedCopy(lostValues)) lost += v;
  let checked = 0;
  for (const g of groups) checked += g.values.length;
  const checkedWrites = checked + lost;
  results.push(
    judge({
      gate: name,
      kind: gate.kind,
      measure: `lost writes (${gate.lostWritesMetric})`,
      group: {},
      groupLabel: 'all',
      scope: { window: 'whole run', population: `writes checked (${gate.metric} and ${gate.lostWritesMetric} points)` },
      op: '<=',
      bound: 0,
      unit: 'count',
      measured: lost,
      samples: checkedWrites,
      minSamples: gate.minSamples,
      reason:
        checkedWrites < gate.minSamples
          ? `lost writes: ${checkedWrites} writes checked (${lostPoints} ${gate.lostWritesMetric} points), at least ${gate.minSamples} needed`
          : lost > 0
            ? `lost writes: ${lost} of ${checkedWrites} writes never seen in the other region`
            : `lost writes: none of ${checkedWrites} writes checked`,
    }),
  );
  return results;
}
