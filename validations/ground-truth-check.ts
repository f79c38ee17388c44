import type { FaultEvent } from '../core/ledger-entry.ts';
import { clientSeenFailover, type FaultTimeline, type HealthObservation, type RequestSample } from './failover-timeline.ts';

/**
 * Checking crosswind's failover measurements against an independent record of what really happened (the sandbox's
 * ground-truth log, or any router log with the same facts). Pure; the shapes are structural so validations does not
 * depend on the sandbox. A check that compared nothing is a failed check, never a pass.
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

/**
 * Per vantage the ground truth routed to the faulted region when the fault hit (its last route at or before t_fault),
 * when its routing first left that region, before the restore; null when it never did.
 */
export function groundTruthFailover(routes: readonly RouteChange[], fault: FaultEvent): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const sorted = [...routes].sort((a, b) => a.time - b.time);
  const current = new Map<string, string>();
  for (const r of sorted) if (r.time <= fault.appliedAt) current.set(r.vantage, r.to);
  for (const [vantage, region] of current) if (region === fault.region) out.set(vantage, null);
  for (const r of sorted) {
    if (r.time <= fault.appliedAt || (fault.undoneAt !== undefined && r.time >= fault.undoneAt)) continue;
    if (out.get(r.vantage) === null && r.from === fault.region && r.to !== fault.region) out.set(r.vantage, r.time);
  }
  return out;
}

/** One measured time against its ground truth. */
export interface Agreement {
  /** `detection`, or the vantage. */
  what: string;
  measuredAt: number | null;
  groundTruthAt: number | null;
  /** measuredAt - groundTruthAt, ms. */
  differenceMs: number | null;
  within: boolean;
}

/** Compatibility name: a vantage's agreement. */
export type FailoverAgreement = Agreement & { vantage: string; clientSeenAt: number | null };

export interface GroundTruthCheck {
  detection: Agreement;
  /** Every vantage the ground truth or crosswind counts as affected. */
  vantages: FailoverAgreement[];
  /** Something was compared, and everything compared agrees. */
  ok: boolean;
  /** Why not, one sentence each. */
  problems: string[];
}

function agreement(what: string, measuredAt: number | null, groundTruthAt: number | null, toleranceMs: number): Agreement {
  const differenceMs = measuredAt === null || groundTruthAt === null ? null : measuredAt - groundTruthAt;
  return { what, measuredAt, groundTruthAt, differenceMs, within: differenceMs !== null && Math.abs(differenceMs) <= toleranceMs };
}

const say = (a: Agreement) =>
  `${a.what}: measured ${a.measuredAt === null ? 'never' : new Date(a.measuredAt).toISOString()}, ground truth ${
    a.groundTruthAt === null ? 'never' : new Date(a.groundTruthAt).toISOString()
  }${a.differenceMs === null ? '' : ` (${a.differenceMs} ms)`}`;

/**
 * Detection and client-seen failover of one fault against the ground truth: detection against the first unhealthy
 * report of the faulted region at or after t_fault; client-seen failover, for every vantage that either side counts
 * as affected, against the time its routing left the faulted region. They agree when each difference is within the
 * tolerance and both sides agree on which vantages were affected. No affected vantage at all is a failed check.
 */
export function checkAgainstGroundTruth(
  timeline: FaultTimeline,
  truth: { routes: readonly RouteChange[]; health: readonly HealthObservation[] },
  toleranceMs: number,
): GroundTruthCheck {
  const f = timeline.fault;
  const flipped = truth.health.find(
    (h) => h.region === f.region && !h.healthy && h.time >= f.appliedAt && (f.undoneAt === undefined || h.time < f.undoneAt),
  );
  const detection = agreement('detection', timeline.detectedAt, flipped?.time ?? null, toleranceMs);
  const byTruth = groundTruthFailover(truth.routes, f);
  const names = new Set([...byTruth.keys(), ...timeline.vantages.filter((v) => v.affected).map((v) => v.vantage)]);
  const vantages = [...names].sort().map((vantage): FailoverAgreement => {
    const measured = timeline.vantages.find((v) => v.vantage === vantage);
    const clientSeenAt = measured?.affected ? measured.failoverAt : null;
    const a = agreement(vantage, clientSeenAt, byTruth.get(vantage) ?? null, toleranceMs);
    return { ...a, vantage, clientSeenAt, within: a.within && byTruth.has(vantage) && measured?.affected === true };
  });
  const problems: string[] = [];
  if (vantages.length === 0) problems.push(`no vantage was routed to ${f.region} when the fault hit: nothing was compared`);
  if (!detection.within) problems.push(say(detection));
  for (const v of vantages) {
    if (!byTruth.has(v.vantage)) problems.push(`${v.vantage}: judged affected, but the ground truth never routed it to ${f.region}`);
    else if (!timeline.vantages.find((x) => x.vantage === v.vantage)?.affected)
      problems.push(`${v.vantage}: routed to ${f.region} by the ground truth, but not judged affected`);
    else if (!v.within) problems.push(say(v));
  }
  return { detection, vantages, ok: problems.length === 0, problems };
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
