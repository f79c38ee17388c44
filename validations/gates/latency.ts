import { gateName, type LatencyGate } from '../../config/gates-schema.ts';
import { percentileSorted, type SeriesStore, slidingPercentile, sortedCopy } from '../series.ts';
import type { GateResult } from './gate-result.ts';
import { judgeGroupsAtMost } from './windowed.ts';

/**
 * A percentile of a Trend per group, over the whole run or every sliding window, against an upper bound. k6's own
 * thresholds are cumulative over the run and per runner; this reads every runner's points and any window.
 * @see https://grafana.com/docs/k6/latest/using-k6/thresholds/
 */
export function evaluateLatency(store: SeriesStore, gate: LatencyGate): GateResult[] {
  const name = gateName(gate);
  const measure = `p(${gate.percentile}) ${gate.metric}`;
  const base = {
    gate: name,
    kind: gate.kind,
    measure,
    op: '<=' as const,
    bound: gate.bound,
    unit: 'ms' as const,
    minSamples: gate.minSamples,
  };
  return judgeGroupsAtMost(store, gate, base, {
    whole: (g) => ({ measured: percentileSorted(sortedCopy(g.values), gate.percentile), samples: g.values.length }),
    windows: (g, w, origin) => slidingPercentile(g, gate.percentile, w.seconds, w.stepSeconds, origin),
  });
}
