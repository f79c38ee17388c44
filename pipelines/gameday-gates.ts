import type { GamedayConfig } from '../config/gameday-schema.ts';
import { errorRateGateSchema, failoverGateSchema, type Gate, latencyGateSchema } from '../config/gates-schema.ts';
import type { GamedayPlan } from './gameday-plan.ts';

/**
 * Pure: the gates a game day is judged by, from its targets. The failover gate measures detection, client-seen
 * failover per vantage, transition errors and rebalance exactly as defined in DESIGN.md; the capacity gate holds the
 * survivors to their latency bound while they carry the shifted load.
 */
export function gamedayGates(gameday: GamedayConfig, plan: GamedayPlan): Gate[] {
  const t = gameday.targets;
  const baseline = plan.phases.find((p) => p.kind === 'baseline');
  const rebalance = plan.phases.find((p) => p.kind === 'verify-rebalance');
  const gates: Gate[] = [
    failoverGateSchema.parse({
      kind: 'failover',
      name: 'failover',
      metric: 'request_failed',
      successWindowSeconds: t.cleanWindowSeconds,
      detectionSeconds: t.detectionSeconds,
      failoverSeconds: t.failoverSeconds,
      transitionErrorRate: t.transitionErrorRate,
      // Rebalanced within the verify phase, or it was not verified.
      ...(rebalance ? { rebalanceSeconds: rebalance.seconds, rebalanceTolerance: rebalance.tolerance } : {}),
      ...(baseline ? { baselineSeconds: baseline.seconds } : {}),
      minSamples: 10,
    }),
  ];
  if (plan.survivors.length > 0) {
    gates.push(
      latencyGateSchema.parse({
        kind: 'latency',
        name: 'survivor-capacity',
        metric: 'request_duration',
        percentile: t.survivorPercentile,
        bound: t.survivorLatencyMs,
        where: { served_by: plan.survivors },
        groupBy: ['served_by'],
        minSamples: 20,
      }),
    );
  }
  return gates;
}

/** Pure: the gates the functional checks against the survivors are judged by. */
export function functionalGates(survivors: string[]): Gate[] {
  return [
    errorRateGateSchema.parse({
      kind: 'error-rate',
      name: 'survivor-functional',
      metric: 'request_failed',
      bound: 0,
      where: { target_region: survivors },
      groupBy: ['target_region'],
      minSamples: 5,
    }),
  ];
}
