import { DEFAULT_EVIDENCE, withEvidence } from '../config/gates.ts';
import { comparisonGateSchema, type Evidence, errorRateGateSchema, type Gate, latencyGateSchema } from '../config/gates-schema.ts';
import type { RolloutConfig } from '../config/rollout-schema.ts';
import type { WavePhase } from './rollout-effects.ts';

/** The tag every sample of a wave's traffic carries: the phase it was measured in (`baseline`, `traffic`, ...). */
export const PHASE_TAG = 'rollout_phase';

/**
 * Pure: the gates a wave's phase is judged by, on the regional probe's per-request metrics tagged with the region
 * addressed and the phase: the region's error rate and latency percentile, and after the deploy the comparison with
 * its own pre-deploy baseline (same runner, same paths, so its distance from the runner cancels): the latency shift
 * with its interval, the spread, and the error rate. Every wave is compared, the last one too. The baseline phase's
 * gates are the wave's steady state.
 */
export function rolloutGates(r: RolloutConfig, region: string, phase: WavePhase, evidence: Evidence = DEFAULT_EVIDENCE): Gate[] {
  const mine = { target_region: region, [PHASE_TAG]: phase };
  const gates: Gate[] = [
    errorRateGateSchema.parse({
      kind: 'error-rate',
      name: 'error-rate',
      metric: 'request_failed',
      bound: r.maxErrorRate,
      where: mine,
      groupBy: ['target_region'],
      minSamples: r.minSamples,
    }),
    latencyGateSchema.parse({
      kind: 'latency',
      name: 'latency',
      metric: 'request_duration',
      percentile: r.latencyPercentile,
      bound: r.maxLatencyMs,
      where: mine,
      groupBy: ['target_region'],
      minSamples: r.minSamples,
    }),
  ];
  if (r.comparison.enabled && phase !== 'baseline') {
    gates.push(
      comparisonGateSchema.parse({
        kind: 'comparison',
        name: 'comparison',
        metric: 'request_duration',
        errorMetric: 'request_failed',
        regionTag: 'target_region',
        candidate: region,
        baseline: [region],
        candidateWhere: { [PHASE_TAG]: phase },
        baselineWhere: { [PHASE_TAG]: 'baseline' },
        alpha: r.comparison.alpha,
        maxMedianRatio: r.comparison.maxMedianRatio,
        minShift: r.comparison.minShiftMs,
        maxSpreadRatio: r.comparison.maxSpreadRatio,
        minSamples: r.minSamples,
      }),
    );
  }
  return gates.map((g) => withEvidence(g, evidence));
}

/**
 * Pure: during a DNS weight step, the global traffic the canary region served, per vantage: its users' error rate
 * and latency, as they reached it through DNS (the direct probe is judged beside it by `rolloutGates`).
 */
export function canaryGates(r: RolloutConfig, region: string, phase: WavePhase, evidence: Evidence = DEFAULT_EVIDENCE): Gate[] {
  // Global traffic only: the direct probe's points name the region too.
  const served = { scenario: 'global-traffic', served_by: region, [PHASE_TAG]: phase };
  return [
    errorRateGateSchema.parse({
      kind: 'error-rate',
      name: 'canary-errors',
      metric: 'request_failed',
      bound: r.maxErrorRate,
      where: served,
      groupBy: ['vantage'],
      minSamples: r.minSamples,
    }),
    latencyGateSchema.parse({
      kind: 'latency',
      name: 'canary-latency',
      metric: 'request_duration',
      percentile: r.latencyPercentile,
      bound: r.maxLatencyMs,
      where: served,
      groupBy: ['vantage'],
      minSamples: r.minSamples,
    }),
  ].map((g) => withEvidence(g, evidence));
}
