import { type ErrorRateGate, gateName } from '../../config/gates-schema.ts';
import { rate, type SeriesStore, slidingRate } from '../series.ts';
import type { GateResult } from './gate-result.ts';
import { judgeGroupsAtMost } from './windowed.ts';

/**
 * The share of non-zero values of a Rate (for `http_req_failed`, failed requests) per group, over the whole run or
 * every sliding window, against an upper bound.
 * @see https://grafana.com/docs/k6/latest/using-k6/metrics/reference/ (http_req_failed)
 */
export function evaluateErrorRate(store: SeriesStore, gate: ErrorRateGate): GateResult[] {
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
    whole: (g) => {
      const r = rate(g.values);
      return { measured: r.rate, samples: r.samples };
    },
    windows: (g, w, origin) => slidingRate(g, w.seconds, w.stepSeconds, origin),
  });
}
