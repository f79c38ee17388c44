import type { FaultEvent } from '../core/ledger-entry.ts';
import { clientSeenFailover, type FaultTimeline, type HealthObservation, type RequestSample } from './failover-timeline.ts';

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

/** A request as a region app logged it: when it arrived, which region answered, which client sent it. */
export interface ServedRequest {
  time: number;
  region: string;
  /** The vantage the client's address belongs to. */
  vantage: string | null;
  /** The client's User-Agent: crosswind's k6 runs name their client profile there. */
  client: string;
  status: number;
}

/** The client profile a User-Agent names (`crosswind-k6 (profile fresh)`); '' when it names none. */
export function profileOfClient(userAgent: string): string {
  return /\(profile ([^)]+)\)/.exec(userAgent)?.[1] ?? '';
}

/** Client-seen failover of one vantage and profile, as the wire shows it. */
export interface WireFailover {
  vantage: string;
  profile: string;
  /** Start of the first N-second window whose requests all reached a region no fault hurt; null if none. */
  failoverAt: number | null;
  requests: number;
}

/**
 * Client-seen failover per vantage and profile from the region apps' own request logs: the definition crosswind
 * measures from k6's points (the first N-second window in which every request succeeded from a region no active
 * fault hurts), applied to the requests as they arrived. Independent of k6 and of the serving-region header. Only
 * requests that arrived are on the wire: for a fault that drops or refuses connections the failed attempts are
 * missing, so this truth holds best for faults that leave the region answering (a forced health check).
 */
export function wireFailover(
  served: readonly ServedRequest[],
  fault: FaultEvent,
  faults: readonly FaultEvent[],
  successWindowMs: number,
): WireFailover[] {
  const groups = new Map<string, RequestSample[]>();
  for (const r of served) {
    if (r.vantage === null) continue;
    const key = `${r.vantage}\u0000${profileOfClient(r.client)}`;
    let list = groups.get(key);
    if (!list) {
      list = [];
      groups.set(key, list);
    }
    list.push({ time: r.time, failed: r.status >= 500, servedBy: r.region });
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, requests]) => {
      const [vantage = '', profile = ''] = key.split('\u0000');
      requests.sort((a, b) => a.time - b.time);
      return { vantage, profile, failoverAt: clientSeenFailover(requests, fault, faults, successWindowMs), requests: requests.length };
    });
}
