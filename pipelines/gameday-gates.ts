import type { GamedayConfig } from '../config/gameday-schema.ts';
import { DEFAULT_EVIDENCE, withEvidence } from '../config/gates.ts';
import {
  capacityGateSchema,
  dependencyDownGateSchema,
  type Evidence,
  errorRateGateSchema,
  failoverGateSchema,
  type Gate,
} from '../config/gates-schema.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import type { ClientProfile } from '../config/synthetics-schema.ts';
import type { GamedayPlan } from './gameday-plan.ts';
import { deepHealthGates } from './health-gates.ts';

/** What a client profile leaves unsaid comes from these: `synthetics.dns.ttl`, `synthetics.http.noConnectionReuse`. */
export interface ClientDefaults {
  ttl: string;
  noConnectionReuse: boolean;
}

/**
 * Pure: whether a client profile's failover decides the verdict: its own `gated`, else whether the client follows
 * the DNS answer as the application can expect (it caches for the record's TTL or not at all, and opens a new
 * connection per request). A longer cache or a kept-alive connection keeps users on the failed region for as long
 * as the client pleases: that is reported, not judged against the application's failover target.
 */
export function profileGated(profile: ClientProfile, defaults: ClientDefaults): boolean {
  if (profile.gated !== undefined) return profile.gated;
  const ttl = String(profile.dns?.ttl ?? defaults.ttl);
  return (ttl === 'record' || ttl === '0') && (profile.noConnectionReuse ?? defaults.noConnectionReuse);
}

/**
 * Pure: the gates a game day is judged by, from its targets. The failover gate measures detection, and per affected
 * vantage client-seen failover, transition errors and rebalance exactly as defined in DESIGN.md (informational for
 * the client profiles that are not gated); the capacity gate holds each survivor to its latency bound over the
 * window it carried the shifted load (detection to restore).
 */
export function gamedayGates(
  gameday: GamedayConfig,
  plan: GamedayPlan,
  evidence: Evidence = DEFAULT_EVIDENCE,
  client: ClientDefaults = { ttl: 'record', noConnectionReuse: true },
): Gate[] {
  const t = gameday.targets;
  const baseline = plan.phases.find((p) => p.kind === 'baseline');
  const rebalance = plan.phases.find((p) => p.kind === 'verify-rebalance');
  const gates: Gate[] = [
    failoverGateSchema.parse({
      kind: 'failover',
      name: 'failover',
      metric: 'request_failed',
      informationalProfiles: gameday.clientProfiles.filter((p) => !profileGated(p, client)).map((p) => p.name),
      successWindowSeconds: t.cleanWindowSeconds,
      detectionSeconds: t.detectionSeconds,
      failoverSeconds: t.failoverSeconds,
      transitionErrorRate: t.transitionErrorRate,
      // Rebalanced within the verify phase, or it was not verified.
      ...(rebalance ? { rebalanceSeconds: rebalance.duration / 1000, rebalanceTolerance: rebalance.tolerance } : {}),
      ...(baseline ? { baselineSeconds: baseline.duration / 1000 } : {}),
      minSamples: 10,
    }),
  ];
  if (plan.survivors.length > 0) {
    gates.push(
      capacityGateSchema.parse({
        kind: 'capacity',
        name: 'survivor-capacity',
        metric: 'request_duration',
        survivors: plan.survivors,
        percentile: t.survivorPercentile,
        bound: t.survivorLatencyMs,
        minSamples: 20,
      }),
    );
  }
  return gates.map((g) => withEvidence(g, evidence));
}

/**
 * Pure: the gates the functional checks against the survivors are judged by: each survivor's error rate, by the
 * evidence rule (no bound of 0 can ever be shown; `targets.functionalErrorRate` says how close to it), and its health
 * endpoint's honesty (what Route 53 trusts while the fault holds must report its dependencies).
 */
export function functionalGates(survivors: string[], config: Pick<CrosswindConfig, 'gameday' | 'gates' | 'synthetics'>): Gate[] {
  return [
    withEvidence(
      errorRateGateSchema.parse({
        kind: 'error-rate',
        name: 'survivor-functional',
        metric: 'request_failed',
        bound: config.gameday.targets.functionalErrorRate,
        where: { target_region: survivors },
        groupBy: ['target_region'],
        minSamples: 5,
      }),
      config.gates.evidence,
    ),
    ...deepHealthGates(config.synthetics, { target_region: survivors }),
  ];
}

/**
 * Pure: the gates of the drill's `dependency-down` faults, on the regional probe that watched each such region's deep
 * health through the drill: 503 within `targets.deepHealthSeconds` of the fault, serving again within
 * `targets.recoverySeconds` of the restore. Route 53's detection and the drain are the failover gate's.
 */
export function dependencyGates(gameday: GamedayConfig, plan: GamedayPlan): Gate[] {
  return plan.faults.flatMap((f) =>
    f.kind === 'dependency-down'
      ? [
          dependencyDownGateSchema.parse({
            kind: 'dependency-down',
            name: 'dependency-down',
            region: f.region,
            dependency: f.dependency,
            downSeconds: gameday.targets.deepHealthSeconds,
            recoverySeconds: gameday.targets.recoverySeconds,
          }),
        ]
      : [],
  );
}

/** Pure: the regions whose deep health a drill watches throughout: those of its `dependency-down` faults. */
export function deepHealthWatched(plan: GamedayPlan): string[] {
  return [...new Set(plan.faults.flatMap((f) => (f.kind === 'dependency-down' ? [f.region] : [])))];
}
