import type { FaultEvent } from '../core/ledger-entry.ts';
import type { SeriesStore, TagFilter } from './series.ts';

/**
 * The failover timeline: for each fault, when it was detected, and for each client vantage when it was served
 * again, what failed meanwhile, and when traffic rebalanced after the restore. Pure; every definition is the one
 * in DESIGN.md ("Definitions the measurements use").
 */

/** One observation of a region's health (a `health.jsonl` line): Route 53's status or the sandbox edge's. */
export interface HealthObservation {
  /** Ms since the epoch. */
  time: number;
  region: string;
  healthy: boolean;
  source?: string;
}

/** One request as the failover measurements see it. */
export interface RequestSample {
  time: number;
  failed: boolean;
  /** The region that answered ('' or 'unknown' when nobody did). */
  servedBy: string;
}

/** A vantage's requests (of one client profile, when the traffic names profiles), sorted by time. */
export interface VantageRequests {
  vantage: string;
  /** The client profile (DNS cache, kept-alive connections) these requests were sent with. */
  profile?: string;
  requests: RequestSample[];
}

export interface FailoverOptions {
  /** N: the length of the all-good window that ends a failover, ms. */
  successWindowMs: number;
  /** Pre-fault traffic taken as the baseline share, ms before the fault. */
  baselineMs: number;
  /** Window over which shares are measured after the restore, ms. */
  rebalanceWindowMs: number;
  /** Largest absolute difference of a region's share from its baseline share that counts as rebalanced. */
  rebalanceTolerance: number;
}

export interface VantageFailover {
  vantage: string;
  profile?: string;
  /**
   * Whether the fault touched this vantage: in its own baseline (`baselineMs` before t_fault) the faulted region
   * served it. Only affected vantages are judged as failover; the others never needed to fail over.
   */
  affected: boolean;
  /** Baseline requests the faulted region answered (failed ones included). */
  baselineFromFaulted: number;
  /** Start of the first N-second window in which every request succeeded from a healthy region; null if none. */
  failoverAt: number | null;
  /** failoverAt - t_fault, ms. */
  failoverMs: number | null;
  /** Requests and failures in [t_fault, failoverAt) (to the end of the fault or the data when there was no failover). */
  transition: { requests: number; failed: number; rate: number };
  /** Requests that observed the failover: [t_fault, failoverAt + N), or to the end of the fault or data. */
  samples: number;
  /** Last request time seen after the fault (the data's horizon for this vantage). */
  observedUntil: number | null;
  /** The pre-fault share of requests per serving region. */
  baselineShare: Record<string, number>;
  baselineRequests: number;
  /** Start of the first window after the restore whose shares are all within tolerance of the baseline. */
  rebalancedAt: number | null;
  /** rebalancedAt - t_restore, ms. */
  rebalanceMs: number | null;
}

export interface FaultTimeline {
  fault: FaultEvent;
  /** First unhealthy observation of the faulted region at or after t_fault (and before the restore). */
  detectedAt: number | null;
  detectionMs: number | null;
  /** Health observations of the faulted region from t_fault to the detection (or the restore). */
  healthObservations: number;
  /** Last health observation time of the faulted region. */
  healthObservedUntil: number | null;
  vantages: VantageFailover[];
}

const NO_REGION = new Set(['', 'unknown']);

function activeFaultRegions(faults: readonly FaultEvent[], time: number): string[] {
  const out: string[] = [];
  for (const f of faults) if (f.appliedAt <= time && (f.undoneAt === undefined || time < f.undoneAt)) out.push(f.region);
  return out;
}

/** A request that succeeded from a region no active fault hurts at its time. */
function isGood(r: RequestSample, faults: readonly FaultEvent[]): boolean {
  return !r.failed && !NO_REGION.has(r.servedBy) && !activeFaultRegions(faults, r.time).includes(r.servedBy);
}

function lowerBound(requests: readonly RequestSample[], time: number): number {
  let lo = 0;
  let hi = requests.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((requests[mid] as RequestSample).time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Client-seen failover for one vantage: from t_fault until the start of the first window of at least N ms in
 * which every request succeeded from a healthy region. The window must be complete (a later request proves the
 * data covers it) and must start before the fault was undone (a restore is not a failover).
 */
export function clientSeenFailover(
  requests: readonly RequestSample[],
  fault: FaultEvent,
  faults: readonly FaultEvent[],
  successWindowMs: number,
): number | null {
  const end = fault.undoneAt ?? Number.POSITIVE_INFINITY;
  let start = -1;
  for (let i = lowerBound(requests, fault.appliedAt); i < requests.length; i++) {
    const r = requests[i] as RequestSample;
    if (start >= 0 && r.time >= (requests[start] as RequestSample).time + successWindowMs) return (requests[start] as RequestSample).time;
    if (!isGood(r, faults)) start = -1;
    else if (start < 0) {
      if (r.time >= end) return null;
      start = i;
    }
  }
  return null;
}

function shares(counts: Map<string, number>, total: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [region, n] of [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) out[region] = total ? n / total : 0;
  return out;
}

/**
 * Rebalance: after the restore, the start of the first window (of `rebalanceWindowMs`, complete) whose share of
 * successful requests per serving region is within the tolerance of the pre-fault share for every region.
 */
export function rebalance(
  requests: readonly RequestSample[],
  fault: FaultEvent,
  options: FailoverOptions,
): { baselineShare: Record<string, number>; baselineRequests: number; rebalancedAt: number | null } {
  const counts = new Map<string, number>();
  let total = 0;
  for (let i = lowerBound(requests, fault.appliedAt - options.baselineMs); i < requests.length; i++) {
    const r = requests[i] as RequestSample;
    if (r.time >= fault.appliedAt) break;
    if (r.failed || NO_REGION.has(r.servedBy)) continue;
    counts.set(r.servedBy, (counts.get(r.servedBy) ?? 0) + 1);
    total++;
  }
  const baselineShare = shares(counts, total);
  if (fault.undoneAt === undefined || total === 0) return { baselineShare, baselineRequests: total, rebalancedAt: null };
  // Two pointers over [start, end): counts of successful requests per region in the window.
  const window = new Map<string, number>();
  let inWindow = 0;
  let hi = lowerBound(requests, fault.undoneAt);
  const regions = new Set(Object.keys(baselineShare));
  for (let lo = hi; lo < requests.length; lo++) {
    const start = (requests[lo] as RequestSample).time;
    while (hi < requests.length && (requests[hi] as RequestSample).time < start + options.rebalanceWindowMs) {
      const r = requests[hi] as RequestSample;
      if (!r.failed && !NO_REGION.has(r.servedBy)) {
        window.set(r.servedBy, (window.get(r.servedBy) ?? 0) + 1);
        inWindow++;
        regions.add(r.servedBy);
      }
      hi++;
    }
    if (hi >= requests.length) break; // the window is not known to be complete
    if (inWindow > 0) {
      let within = true;
      for (const region of regions) {
        const share = (window.get(region) ?? 0) / inWindow;
        if (Math.abs(share - (baselineShare[region] ?? 0)) > options.rebalanceTolerance) {
          within = false;
          break;
        }
      }
      if (within) return { baselineShare, baselineRequests: total, rebalancedAt: start };
    }
    const first = requests[lo] as RequestSample;
    if (!first.failed && !NO_REGION.has(first.servedBy)) {
      window.set(first.servedBy, (window.get(first.servedBy) ?? 0) - 1);
      inWindow--;
    }
  }
  return { baselineShare, baselineRequests: total, rebalancedAt: null };
}

/** Requests of a vantage the faulted region answered in the baseline before t_fault (failed or not). */
export function servedInBaseline(requests: readonly RequestSample[], fault: FaultEvent, baselineMs: number): number {
  let n = 0;
  for (let i = lowerBound(requests, fault.appliedAt - baselineMs); i < requests.length; i++) {
    const r = requests[i] as RequestSample;
    if (r.time >= fault.appliedAt) break;
    if (r.servedBy === fault.region) n++;
  }
  return n;
}

/** Detection: the first unhealthy observation of the faulted region at or after t_fault, before the restore. */
export function detection(
  fault: FaultEvent,
  health: readonly HealthObservation[],
): Pick<FaultTimeline, 'detectedAt' | 'detectionMs' | 'healthObservations' | 'healthObservedUntil'> {
  const undone = fault.undoneAt ?? Number.POSITIVE_INFINITY;
  let detectedAt: number | null = null;
  let until: number | null = null;
  for (const h of health) {
    if (h.region !== fault.region || h.time < fault.appliedAt) continue;
    if (until === null || h.time > until) until = h.time;
    if (!h.healthy && h.time < undone && (detectedAt === null || h.time < detectedAt)) detectedAt = h.time;
  }
  // The evidence: observations of the region from the fault to the detection (or to the restore when none).
  const horizon = detectedAt ?? undone;
  let observations = 0;
  for (const h of health) if (h.region === fault.region && h.time >= fault.appliedAt && h.time <= horizon) observations++;
  return {
    detectedAt,
    detectionMs: detectedAt === null ? null : detectedAt - fault.appliedAt,
    healthObservations: observations,
    healthObservedUntil: until,
  };
}

/** The timeline of every fault, for every vantage. `requests` must be sorted by time (see `requestsByVantage`). */
export function failoverTimeline(
  requests: readonly VantageRequests[],
  faults: readonly FaultEvent[],
  health: readonly HealthObservation[],
  options: FailoverOptions,
): FaultTimeline[] {
  return faults.map((fault) => ({
    fault,
    ...detection(fault, health),
    vantages: requests.map(({ vantage, profile, requests: rs }) => {
      const failoverAt = clientSeenFailover(rs, fault, faults, options.successWindowMs);
      const from = lowerBound(rs, fault.appliedAt);
      const transitionEnd = failoverAt ?? fault.undoneAt ?? Number.POSITIVE_INFINITY;
      const samplesEnd = failoverAt === null ? transitionEnd : failoverAt + options.successWindowMs;
      let transitionRequests = 0;
      let failed = 0;
      let samples = 0;
      for (let i = from; i < rs.length; i++) {
        const r = rs[i] as RequestSample;
        if (r.time >= samplesEnd) break;
        samples++;
        if (r.time < transitionEnd) {
          transitionRequests++;
          if (r.failed) failed++;
        }
      }
      const last =
        rs.length && (rs[rs.length - 1] as RequestSample).time >= fault.appliedAt ? (rs[rs.length - 1] as RequestSample).time : null;
      const rb = rebalance(rs, fault, options);
      const fromFaulted = servedInBaseline(rs, fault, options.baselineMs);
      return {
        vantage,
        ...(profile ? { profile } : {}),
        affected: fromFaulted > 0,
        baselineFromFaulted: fromFaulted,
        failoverAt,
        failoverMs: failoverAt === null ? null : failoverAt - fault.appliedAt,
        transition: { requests: transitionRequests, failed, rate: transitionRequests ? failed / transitionRequests : 0 },
        samples,
        observedUntil: last,
        baselineShare: rb.baselineShare,
        baselineRequests: rb.baselineRequests,
        rebalancedAt: rb.rebalancedAt,
        rebalanceMs: rb.rebalancedAt === null || fault.undoneAt === undefined ? null : rb.rebalancedAt - fault.undoneAt,
      };
    }),
  }));
}

/**
 * Per-vantage requests from the stored points of a per-request Rate metric (1 = failed) tagged with the vantage
 * and the serving region, sorted by time (ties by outcome and region, so the order of input files does not matter).
 */
export function requestsByVantage(
  store: SeriesStore,
  options: { metric: string; where?: TagFilter; vantageTag: string; profileTag?: string; servedByTag: string },
): VantageRequests[] {
  const profileTag = options.profileTag ?? 'profile';
  const groups = store.select(options.metric, { where: options.where, groupBy: [options.vantageTag, profileTag, options.servedByTag] });
  const byVantage = new Map<string, RequestSample[]>();
  for (const g of groups) {
    // One timeline per vantage and client profile: a caching client and a fresh one at the same place fail over apart.
    const profile = g.key[profileTag] ?? '';
    const vantage = `${g.key[options.vantageTag] ?? ''}${profile ? `\u0000${profile}` : ''}`;
    const servedBy = g.key[options.servedByTag] ?? '';
    let list = byVantage.get(vantage);
    if (!list) {
      list = [];
      byVantage.set(vantage, list);
    }
    for (let i = 0; i < g.times.length; i++) list.push({ time: g.times[i] as number, failed: g.values[i] !== 0, servedBy });
  }
  return [...byVantage.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, requests]) => {
      const [vantage = '', profile] = key.split('\u0000');
      return {
        vantage,
        ...(profile ? { profile } : {}),
        requests: requests.sort(
          (a, b) =>
            a.time - b.time || Number(a.failed) - Number(b.failed) || (a.servedBy < b.servedBy ? -1 : a.servedBy > b.servedBy ? 1 : 0),
        ),
      };
    });
}
