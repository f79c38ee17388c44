import { comparisonGateSchema, errorRateGateSchema, type Gate, latencyGateSchema } from '../config/gates-schema.ts';
import type { RolloutConfig } from '../config/rollout-schema.ts';

/**
 * Pure: the gates a wave is judged by, on the synthetics' per-request metrics tagged with the region addressed:
 * the deployed region's error rate and latency percentile, and (when regions remain on the old version) its latency
 * against theirs with the Mann-Whitney comparison, each other's baseline.
 */
export function rolloutGates(r: RolloutConfig, region: string, baselines: readonly string[]): Gate[] {
  const gates: Gate[] = [
    errorRateGateSchema.parse({
      kind: 'error-rate',
      name: 'error-rate',
      metric: 'request_failed',
      bound: r.maxErrorRate,
      where: { target_region: region },
      groupBy: ['target_region'],
      minSamples: r.minSamples,
    }),
    latencyGateSchema.parse({
      kind: 'latency',
      name: 'latency',
      metric: 'request_duration',
      percentile: r.latencyPercentile,
      bound: r.maxLatencyMs,
      where: { target_region: region },
      groupBy: ['target_region'],
      minSamples: r.minSamples,
    }),
  ];
  if (r.comparison.enabled && baselines.length > 0) {
    gates.push(
      comparisonGateSchema.parse({
        kind: 'comparison',
        name: 'comparison',
        metric: 'request_duration',
        regionTag: 'target_region',
        candidate: region,
        baseline: [...baselines],
        alpha: r.comparison.alpha,
        maxMedianRatio: r.comparison.maxMedianRatio,
        minSamples: r.minSamples,
      }),
    );
  }
  return gates;
}
