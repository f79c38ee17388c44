import type { ErrorRateGate } from '../../config/gates-schema.ts';
import { rate, type SeriesStore, slidingRate } from '../series.ts';
import { type GateResult, judge, noData } from './gate-result.ts';
import { judgeWindows } from './windowed.ts';

export function errorRateGateName(gate: ErrorRateGate): string {
  return gate.name ?? 'error-rate';
}

/**
 * The share of non-zero values of a Rate (for `http_req_failed`, failed requests) per group, over the whole run or
 * every sliding window, against an upper bound.
 * @see https://grafana.com/docs/k6/latest/using-k6/metrics/reference/ (http_req_failed)
 */
export function evaluateErrorRate(store: SeriesStore, gate: ErrorRateGate): GateResult[] {
  const base = {
    gate: errorRateGateName(gate),
    kind: gate.kind,
    measure: `rate ${gate.metric}`,
    op: '<=' as const,
    bound: gate.bound,
    unit: 'ratio' as const,
    minSamples: gate.minSamples,
  };
  const groups = store.select(gate.metric, { where: gate.where, groupBy: gate.groupBy });
  if (groups.length === 0) return [noData(base, `no ${gate.metric} points match`)];
  const origin = store.span()?.start;
  return groups.map((g) => {
    const fields = { ...base, group: g.key, groupLabel: g.label };
    if (gate.window) return judgeWindows(slidingRate(g, gate.window.seconds, gate.window.stepSeconds, origin), fields, (a, b) => a > b);
    const r = rate(g.values);
    return judge({ ...fields, measured: r.rate, samples: r.samples });
  });
}
