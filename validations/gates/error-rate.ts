import { gateName } from '../../config/gates.ts';
import type { ErrorRateGate } from '../../config/gates-schema.ts';
import { rate, type SeriesStore, slidingRate } from '../series.ts';
import { evidenceRule, type GateResult, judgeRate, judgeRateDeferred } from './gate-result.ts';
import { judgeGroupsAtMost } from './windowed.ts';

/**
 * The share of non-zero values of a Rate (for `http_req_failed`, failed requests) per group, over the whole run or
 * every sliding window, against an upper bound: a pass needs the rate's upper confidence bound within the bound.
 * @see https://grafana.com/docs/k6/latest/using-k6/metrics/reference/ (http_req_failed)
 */
export function evaluateErrorRate(store: SeriesStore, gate: ErrorRateGate): GateResult[] {
  const rule = evidenceRule(gate);
  const base = {
    gate: gateName(gate),
    kind: gate.kind,
    measure: `rate ${gate.metric}`,
    op: '<=' as const,
    bound: gate.bound,
    unit: 'ratio' as const,
    minSamples: gate.minSamples,
  };
  return judgeGroupsAtMost(store, gate, base, {
    whole: (g, fields) => {
      const r = rate(g.values);
      return judgeRate(fields, r.nonZero, r.samples, rule);
    },
    windows: (g, fields, w, origin) =>
      slidingRate(g, w.seconds, w.stepSeconds, origin).map((s) =>
        judgeRateDeferred({ ...fields, window: { start: s.start, end: s.end } }, Math.round(s.value * s.samples) || 0, s.samples, rule),
      ),
  });
}
