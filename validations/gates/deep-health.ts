import { gateName } from '../../config/gates.ts';
import type { DeepHealthGate } from '../../config/gates-schema.ts';
import { rate, type SeriesStore } from '../series.ts';
import { type GateResult, noData, populationOf } from './gate-result.ts';

/**
 * Health honesty: per region, whether its health endpoint reports its dependencies. One 200 without any dependency
 * check (the regional probe's `health_shallow`) fails the region: such an endpoint says the process answers, not that
 * the region can serve, so Route 53 would keep sending users to a region whose database is gone. This is a property of
 * the endpoint, not a rate: no bound to show, so answers that all carried their checks pass, and a region without any
 * health answer is inconclusive.
 */
export function evaluateDeepHealth(store: SeriesStore, gate: DeepHealthGate): GateResult[] {
  const base = {
    gate: gateName(gate),
    kind: gate.kind,
    measure: `shallow health answers (${gate.metric})`,
    op: '<=' as const,
    bound: 0,
    unit: 'ratio' as const,
    minSamples: gate.minSamples,
  };
  const groups = store.select(gate.metric, { where: gate.where, groupBy: gate.groupBy });
  if (groups.length === 0) {
    return [noData({ ...base, scope: { window: 'whole run', population: populationOf(gate.metric, gate.where) } }, 'no health answer')];
  }
  return groups.map((g) => {
    const { nonZero: shallow, samples } = rate(g.values);
    const fields = {
      ...base,
      group: g.key,
      groupLabel: g.label,
      scope: { window: 'whole run', population: populationOf(gate.metric, gate.where, g.label) },
    };
    const what = `${base.measure} [${g.label}]`;
    const measured = samples > 0 ? shallow / samples : null;
    if (shallow > 0) {
      return {
        ...fields,
        measured,
        samples,
        status: 'fail' as const,
        reason: `${what}: ${shallow} of ${samples} health answers were 200 with no dependency check; a shallow health endpoint says the process answers, not that the region can serve`,
      };
    }
    if (samples < gate.minSamples) {
      return {
        ...fields,
        measured,
        samples,
        status: 'inconclusive' as const,
        reason: `${what}: ${samples} health answers, fewer than ${gate.minSamples}`,
      };
    }
    return {
      ...fields,
      measured,
      samples,
      status: 'pass' as const,
      reason: `${what}: each of ${samples} health answers reported its dependencies`,
    };
  });
}
