import { type ComparisonGate, gateName } from '../../config/gates-schema.ts';
import { mannWhitney, median } from '../mann-whitney.ts';
import type { SeriesStore } from '../series.ts';
import type { GateResult } from './gate-result.ts';

/**
 * The just-deployed region (candidate) against the regions not yet deployed (baseline), Kayenta's way: a two-sided
 * Mann-Whitney U test says whether the two differ at all, and an effect-size bound (median ratio) says whether the
 * difference matters. It fails only when the candidate is significantly AND materially slower; too few points on
 * either side is inconclusive.
 * @see https://github.com/spinnaker/kayenta/blob/master/kayenta-judge/README.md
 */
export function evaluateComparison(store: SeriesStore, gate: ComparisonGate): GateResult[] {
  const base = {
    gate: gateName(gate),
    kind: gate.kind,
    measure: `median ratio ${gate.metric} (candidate / baseline)`,
    op: '<=' as const,
    bound: gate.maxMedianRatio,
    unit: 'value' as const,
    minSamples: gate.minSamples,
    scope: { window: 'whole run', population: `${gate.metric} per ${gate.regionTag}: candidate against baseline` },
  };
  const candidate = gate.candidate;
  if (!candidate) {
    return [
      {
        ...base,
        group: {},
        groupLabel: 'all',
        status: 'inconclusive',
        measured: null,
        samples: 0,
        reason: 'comparison: no candidate region given',
      },
    ];
  }
  const group = { [gate.regionTag]: candidate };
  const groupLabel = `${gate.regionTag}=${candidate}`;
  const baselineRegions = gate.baseline ?? store.tagValues(gate.metric, gate.regionTag, gate.where).filter((r) => r !== candidate);
  const pick = (regions: readonly string[]): Float64Array => {
    const groups = store.select(gate.metric, { where: { ...gate.where, [gate.regionTag]: regions } });
    return groups[0]?.values ?? new Float64Array(0);
  };
  const x = pick([candidate]);
  const y = baselineRegions.length ? pick(baselineRegions) : new Float64Array(0);
  const samples = Math.min(x.length, y.length);
  const fields = { ...base, group, groupLabel, samples };
  if (samples < gate.minSamples) {
    return [
      {
        ...fields,
        status: 'inconclusive',
        measured: x.length && y.length ? median(x) / median(y) : null,
        reason: `comparison [${groupLabel}]: candidate ${x.length} and baseline (${baselineRegions.join(', ') || 'none'}) ${y.length} points, at least ${gate.minSamples} each needed`,
      },
    ];
  }
  const test = mannWhitney(x, y);
  const ratio = median(x) / median(y);
  const significant = test.p < gate.alpha;
  const slower = test.z > 0;
  const failed = significant && slower && ratio > gate.maxMedianRatio;
  const stats = `median ratio ${ratio.toPrecision(4)} (bound ${gate.maxMedianRatio}), Mann-Whitney p=${test.p.toPrecision(3)} (alpha ${gate.alpha}), ${x.length} vs ${y.length} points`;
  return [
    {
      ...fields,
      measured: ratio,
      status: failed ? 'fail' : 'pass',
      reason: `comparison [${groupLabel}] vs ${baselineRegions.join(', ')}: ${failed ? 'significantly slower' : significant && slower ? 'slower within the bound' : 'no significant slowdown'}; ${stats}`,
    },
  ];
}
