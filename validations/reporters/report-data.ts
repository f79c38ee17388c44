import type { FaultEvent } from '../../core/ledger-entry.ts';
import type { HealthObservation } from '../failover-timeline.ts';
import { percentileSorted } from '../series.ts';

/**
 * What the HTML report shows, as plain data: the verdict, the gate table, the faults, the health-check bands and,
 * per vantage, per-second series of who served the traffic, how much of it failed and how slow it was. Built from a
 * run folder by `readReportData` (read-run-folder.ts); rendered by `renderHtmlReport` (html.ts). JSON-safe, so it is
 * embedded in the page as is.
 */
export interface ReportData {
  title: string;
  run: RunInfo;
  verdict: ReportVerdict;
  gates: GateRow[];
  /** Regions in display order (config order first, then any other region seen in the data). */
  regions: string[];
  /** Start and end of the timeline, ms since the epoch (whole seconds). */
  window: { start: number; end: number };
  faults: FaultEvent[];
  /** When each fault was detected, and when each vantage failed over and rebalanced (from verdict.json). */
  failover: FailoverMarks[];
  health: HealthBand[];
  vantages: VantageSeries[];
  /** The metric whose `served_by` tag gave the traffic shares, or undefined when no point carried one. */
  servedMetric?: string;
}

/** `run.json` of a run folder, or what could be inferred without it. */
export interface RunInfo {
  mode: string;
  project: string;
  folder: string;
  startedAt?: string;
  endedAt?: string;
}

export type VerdictKind = 'approve' | 'rollback' | 'inconclusive';

/**
 * The run's verdict, as the validations' JSON reporter wrote it; `none` when the run folder holds no verdict.
 * `warnings`: informational results that did not pass (client profiles not gated).
 */
export type ReportVerdict = { kind: VerdictKind; reasons: string[]; warnings?: string[] } | { kind: 'none'; reasons: string[] };

/** One row of the gate table. */
export interface GateRow {
  gate: string;
  /** The group the gate judged (e.g. `vantage=eu`), or '' for the whole run. */
  group: string;
  measured: number | null;
  bound: string;
  samples: number | null;
  unit: string;
  /** The confidence interval beside the value (`[0 %, 1.98 %] 95 %`), or '' when the result has none. */
  interval: string;
  /** Which window and population the result judged, or '' when the verdict.json predates it. */
  judged: string;
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** Reported, deciding nothing (a client profile the game day does not gate). */
  informational?: boolean;
  detail: string;
}

/** The failover timeline of one fault, as the failover gate measured it (ms since the epoch). */
export interface FailoverMarks {
  faultId: string;
  /** The faulted region. */
  region?: string;
  detectedAt?: number;
  /** Affected vantages only (per client profile, when there were several): the ones the faulted region served before the fault. */
  vantages: {
    vantage: string;
    profile?: string;
    failoverAt?: number;
    rebalancedAt?: number;
    /** Client-seen failover time, s (null: no failover was seen). */
    failoverSeconds?: number | null;
    /** Requests and failures from the fault to the failover (or to the end of the fault when there was none). */
    transition?: { requests: number; failed: number };
    /** Its results decided nothing (a client profile the game day does not gate). */
    informational?: boolean;
  }[];
  /** Vantages the fault never touched (not judged as failover). */
  unaffected: string[];
}

export type { HealthObservation };

/** A stretch of time in which a region's health check kept one status; `[from, to)` in ms. */
export interface HealthBand {
  region: string;
  from: number;
  to: number;
  healthy: boolean;
}

/**
 * Per-second series of one vantage (and client profile, when the traffic ran several side by side); every array is
 * aligned with `seconds`. Null where a second had no sample.
 */
export interface VantageSeries {
  vantage: string;
  /** The client profile (`profile` tag) of these requests, when there was one. */
  profile?: string;
  /** Epoch seconds, one per second of the window. */
  seconds: number[];
  /** Requests per second, all regions together. */
  requests: number[];
  /** Percent of the second's requests served by each region (keys: regions, plus `NO_REGION`). */
  share: Record<string, (number | null)[]>;
  /** Percent of requests that failed (`http_req_failed`). */
  errorRate: (number | null)[];
  /** `http_req_duration` percentiles per second, ms, k6's method. */
  latency: { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
  /** Whole-run numbers for the static summary table. */
  totals: { requests: number; failed: number; servedBy: Record<string, number>; p95: number | null };
}

/** Share series key for requests that carried no serving region (refused, timed out, or no header). */
export const NO_REGION = 'no region';

/** A series' line and fill color (`#rrggbb`). */
export interface SeriesColor {
  stroke: string;
  fill: string;
}

/** The series every report draws besides one per region. */
export type FixedSeries = '__errors' | '__rps' | '__p50' | '__p95' | '__p99' | '__healthy' | '__unhealthy';

/** A color per series key: each region, `NO_REGION` and the fixed series. */
export type ChartColors = Record<string, SeriesColor> & Record<FixedSeries, SeriesColor>;

/** What the page embeds for its script (browser/charts.ts): the report's data, the colors, and `NO_REGION`. */
export interface ChartPayload extends ReportData {
  colors: ChartColors;
  noRegion: string;
}

const KEY_SEPARATOR = '\u0000';

/** The key of one series: the vantage, and the client profile when there is one. */
function seriesKey(vantage: string, profile: string | undefined): string {
  return profile ? `${vantage}${KEY_SEPARATOR}${profile}` : vantage;
}

/** `served_by` values that mean the response named no region. */
const UNKNOWN_REGIONS = new Set(['', 'unknown', 'none']);

/** Metrics with one point per request that may carry `served_by`, most telling first. */
const SERVED_METRICS = ['request_duration', 'request_failed', 'http_reqs'];

/** k6's percentile of sorted values, or null (no sample) rather than NaN, so the series stay JSON. */
function percentile(sorted: Float64Array, p: number): number | null {
  return sorted.length ? percentileSorted(sorted, p) : null;
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

interface VantageAccumulator {
  failed: Map<number, { n: number; failed: number }>;
  durations: Map<number, number[]>;
}

/**
 * Accumulates k6 points into per-second, per-vantage buckets; `finish` turns them into the report's series. Only the
 * durations of each second are kept (for exact percentiles); everything else is a counter.
 */
export class ReportSeriesBuilder {
  private readonly vantages = new Map<string, VantageAccumulator>();
  /** Points carrying `served_by`, per metric: the traffic-share metric is chosen once every point is seen. */
  private readonly servedPoints = new Map<string, Map<string, Map<number, Map<string, number>>>>();
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;

  private vantage(name: string): VantageAccumulator {
    return getOrAdd(this.vantages, name, () => ({ failed: new Map(), durations: new Map() }));
  }

  /** A K6PointSink: pass `builder.add` to the validations reader (`readInto`). */
  readonly add = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number): void => {
    const second = Math.floor(time / 1000);
    // One series per vantage and client profile (a game day runs several profiles side by side from each vantage).
    const vantageName = seriesKey(tags.vantage ?? 'all', tags.profile);
    if (metric === 'http_req_duration') {
      const v = this.vantage(vantageName);
      getOrAdd(v.durations, second, () => [] as number[]).push(value);
    } else if (metric === 'http_req_failed') {
      const v = this.vantage(vantageName);
      const bucket = v.failed.get(second) ?? { n: 0, failed: 0 };
      bucket.n++;
      if (value !== 0) bucket.failed++;
      v.failed.set(second, bucket);
    } else if (metric !== 'http_reqs' && tags.served_by === undefined) {
      return;
    }
    if (tags.served_by !== undefined || metric === 'http_reqs') {
      const byVantage = getOrAdd(this.servedPoints, metric, () => new Map<string, Map<number, Map<string, number>>>());
      const bySecond = getOrAdd(byVantage, vantageName, () => new Map<number, Map<string, number>>());
      const byRegion = getOrAdd(bySecond, second, () => new Map<string, number>());
      const region = UNKNOWN_REGIONS.has(tags.served_by ?? '') ? NO_REGION : (tags.served_by as string);
      byRegion.set(region, (byRegion.get(region) ?? 0) + 1);
    }
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
  };

  /**
   * The metric whose points say who served each request. k6 fixes a request's tags before its response arrives, so
   * the scenarios record the serving region on a twin metric (`request_duration`, one point per request); the first
   * of SERVED_METRICS whose points carry `served_by` wins, else the metric with the most such points.
   */
  private servedMetric(): string | undefined {
    const tagged = new Map<string, number>();
    for (const [metric, byVantage] of this.servedPoints) {
      let n = 0;
      for (const bySecond of byVantage.values())
        for (const byRegion of bySecond.values()) for (const [r, c] of byRegion) if (r !== NO_REGION) n += c;
      if (n > 0) tagged.set(metric, n);
    }
    const preferred = SERVED_METRICS.find((m) => tagged.has(m));
    if (preferred) return preferred;
    return [...tagged.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  }

  /**
   * The series, over `window` when given (so every chart of a run shares one time axis), else over the points seen;
   * with a share series for each of `regions` (in that order) and for every other region seen.
   */
  finish(
    window?: { start: number; end: number },
    regions: readonly string[] = [],
  ): {
    vantages: VantageSeries[];
    window: { start: number; end: number };
    servedMetric?: string;
    regionsSeen: string[];
  } {
    const start = Math.floor((window?.start ?? (Number.isFinite(this.minTime) ? this.minTime : 0)) / 1000);
    const end = Math.floor((window?.end ?? (Number.isFinite(this.maxTime) ? this.maxTime : 0)) / 1000);
    const seconds: number[] = [];
    for (let s = start; s <= end; s++) seconds.push(s);
    const servedMetric = this.servedMetric();
    const served = servedMetric ? this.servedPoints.get(servedMetric) : undefined;
    const regionsSeen = new Set<string>();
    for (const bySecond of served?.values() ?? [])
      for (const byRegion of bySecond.values()) for (const r of byRegion.keys()) if (r !== NO_REGION) regionsSeen.add(r);
    const names = new Set([...this.vantages.keys(), ...(served?.keys() ?? [])]);
    const vantages: VantageSeries[] = [];
    for (const name of [...names].sort()) {
      const acc = this.vantage(name);
      const [vantage, profile] = name.split(KEY_SEPARATOR) as [string, string | undefined];
      const bySecond = served?.get(name) ?? new Map<number, Map<string, number>>();
      const keys = [...new Set([...regions, ...[...regionsSeen].sort()])];
      const share: Record<string, (number | null)[]> = {};
      for (const k of [...keys, NO_REGION]) share[k] = [];
      const requests: number[] = [];
      const errorRate: (number | null)[] = [];
      const latency = { p50: [] as (number | null)[], p95: [] as (number | null)[], p99: [] as (number | null)[] };
      const totals = { requests: 0, failed: 0, servedBy: {} as Record<string, number>, p95: null as number | null };
      const all: number[] = [];
      for (const s of seconds) {
        const byRegion = bySecond.get(s);
        let total = 0;
        for (const n of byRegion?.values() ?? []) total += n;
        for (const k of [...keys, NO_REGION]) {
          const n = byRegion?.get(k) ?? 0;
          (share[k] as (number | null)[]).push(total ? (100 * n) / total : null);
          if (n) totals.servedBy[k] = (totals.servedBy[k] ?? 0) + n;
        }
        const failed = acc.failed.get(s);
        const durations = acc.durations.get(s);
        requests.push(failed?.n ?? durations?.length ?? total);
        errorRate.push(failed?.n ? (100 * failed.failed) / failed.n : null);
        totals.requests += failed?.n ?? durations?.length ?? total;
        totals.failed += failed?.failed ?? 0;
        const sorted = Float64Array.from(durations ?? []).sort();
        latency.p50.push(percentile(sorted, 50));
        latency.p95.push(percentile(sorted, 95));
        latency.p99.push(percentile(sorted, 99));
        if (durations) all.push(...durations);
      }
      totals.p95 = percentile(Float64Array.from(all).sort(), 95);
      vantages.push({ vantage, ...(profile ? { profile } : {}), seconds, requests, share, errorRate, latency, totals });
    }
    return { vantages, window: { start: start * 1000, end: end * 1000 }, servedMetric, regionsSeen: [...regionsSeen].sort() };
  }
}

/**
 * Pure: contiguous stretches of equal health per region, from observations in any order. A band lasts until the
 * region's next observation with another status, and the last one until `end`.
 */
export function healthBands(observations: readonly HealthObservation[], end: number): HealthBand[] {
  const byRegion = new Map<string, HealthObservation[]>();
  for (const o of observations) {
    const list = byRegion.get(o.region) ?? [];
    list.push(o);
    byRegion.set(o.region, list);
  }
  const bands: HealthBand[] = [];
  for (const [region, list] of byRegion) {
    list.sort((a, b) => a.time - b.time);
    let current: HealthBand | undefined;
    for (const o of list) {
      if (current && current.healthy === o.healthy) continue;
      if (current) {
        current.to = o.time;
        bands.push(current);
      }
      current = { region, from: o.time, to: o.time, healthy: o.healthy };
    }
    if (current) {
      current.to = Math.max(end, current.from);
      bands.push(current);
    }
  }
  return bands.sort((a, b) => a.region.localeCompare(b.region) || a.from - b.from);
}
