import type { FaultEvent } from '../core/ledger-entry.ts';
import type { FaultTimeline, HealthObservation } from './failover-timeline.ts';

/**
 * Checking crosswind's failover measurements against an independent record of what really happened (the sandbox
 * edge's ground-truth log, or any router log with the same facts). Pure; the shapes are structural so validations
 * does not depend on the sandbox.
 */

/** A routing change for one vantage: from then on, its requests go to `to`. */
export interface RouteChange {
  time: number;
  vantage: string;
  from: string | null;
  to: string;
}

/** Ground-truth lines as the sandbox writes them; other kinds are ignored. */
export type GroundTruthLine =
  | ({ kind: 'route' } & RouteChange)
  | { kind: 'health'; time: number; region: string; healthy: boolean }
  | { kind: string; time: number };

/** Health observations from ground-truth lines (`kind: 'health'`), in time order. */
export function healthFromGroundTruth(lines: readonly GroundTruthLine[]): HealthObservation[] {
  const out: HealthObservation[] = [];
  for (const l of lines) {
    if (l.kind !== 'health') continue;
    const h = l as Extract<GroundTruthLine, { kind: 'health' }>;
    out.push({ time: h.time, region: h.region, healthy: h.healthy, source: 'ground-truth' });
  }
  return out.sort((a, b) => a.time - b.time);
}

/** Routing changes from ground-truth lines (`kind: 'route'`). */
export function routesFromGroundTruth(lines: readonly GroundTruthLine[]): RouteChange[] {
  return lines
    .filter((l): l is { kind: 'route' } & RouteChange => l.kind === 'route')
    .map(({ time, vantage, from, to }) => ({ time, vantage, from, to }));
}

/** Per vantage, the time its routing left the faulted region, first change at or after t_fault and before the restore. */
export function groundTruthFailover(routes: readonly RouteChange[], fault: FaultEvent): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of [...routes].sort((a, b) => a.time - b.time)) {
    if (r.time < fault.appliedAt || (fault.undoneAt !== undefined && r.time >= fault.undoneAt)) continue;
    if (r.from === fault.region && r.to !== fault.region && !out.has(r.vantage)) out.set(r.vantage, r.time);
  }
  return out;
}

export interface FailoverAgreement {
  vantage: string;
  /** Client-seen failover (start of the first all-good window), ms since the epoch; null if none was seen. */
  clientSeenAt: number | null;
  groundTruthAt: number;
  /** clientSeenAt - groundTruthAt, ms. */
  differenceMs: number | null;
  within: boolean;
}

/**
 * Client-seen failover against the ground truth, for every vantage the ground truth rerouted: they agree when the
 * difference is within the tolerance (1 s by default).
 */
export function checkAgainstGroundTruth(timeline: FaultTimeline, routes: readonly RouteChange[], toleranceMs = 1000): FailoverAgreement[] {
  const truth = groundTruthFailover(routes, timeline.fault);
  return [...truth.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([vantage, groundTruthAt]) => {
      const clientSeenAt = timeline.vantages.find((v) => v.vantage === vantage)?.failoverAt ?? null;
      const differenceMs = clientSeenAt === null ? null : clientSeenAt - groundTruthAt;
      return { vantage, clientSeenAt, groundTruthAt, differenceMs, within: differenceMs !== null && Math.abs(differenceMs) <= toleranceMs };
    });
}
