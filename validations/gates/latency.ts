import type { LatencyGate } from '../../config/gates-schema.ts';
import { quantileRanks, quantileSamplesNeededAt } from '../evidence.ts';
import { type SeriesStore, slidingPercentile } from '../series.ts';
import { evidenceRule, type GateResult, judgePercentile, judgeWithInterval, percentileBase } from './gate-result.ts';
import { judgeGroupsAtMost } from './windowed.ts';

/**
 * A percentile of a Trend per group, over the whole run or every sliding window, against an upper bound: a pass
 * needs the percentile's order-statistics upper bound within the bound. k6's own thresholds are cumulative over
 * the run and per runner; this reads every runner's points and any window.
 * @see https://grafana.com/docs/k6/latest/using-k6/thresholds/
 */
export function evaluateLatency(store: SeriesStore, gate: LatencyGate): GateResult[] {
  const rule = evidenceRule(gate);
  const p = gate.percentile;
  const base = percentileBase(gate);
  // Windows of equal size share their ranks.
  const ranks = new Map<number, { lower: number | null; upper: number | null }>();
  const orderStatistics = {
    ranks(n: number) {
      let r = ranks.get(n);
      if (!r) {
        r = quantileRanks(n, p / 100, rule.confidence);
        ranks.set(n, r);
      }
      return r;
    },
    at: gate.bound,
  };
  return judgeGroupsAtMost(store, gate, base, {
    whole: (g, fields) => judgePercentile(fields, store.sortedValues(gate.metric, gate, g), p, rule),
    windows: (g, fields, w, origin) =>
      slidingPercentile(g, p, w.seconds, w.stepSeconds, origin, orderStatistics).map((s) =>
        judgeWithInterval(
          { ...fields, window: { start: s.start, end: s.end } },
          s.value,
          s.samples,
          { lower: s.ranked?.lower ?? null, upper: s.ranked?.upper ?? null, confidence: rule.confidence, method: 'order-statistics' },
          () => (s.samples > 0 ? quantileSamplesNeededAt(s.samples, (s.ranked?.within ?? 0) / s.samples, p, rule.confidence) : null),
          `${s.samples} samples, order statistics`,
        ),
      ),
  });
}
