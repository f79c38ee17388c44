import { resizedBuffer } from '../core/array-buffers.ts';
import type { K6Point } from '../core/k6-output.ts';

/**
 * Time series of k6 points, kept as typed arrays per metric and tag set, and the statistics the gates need: exact
 * percentiles with k6's method, rates, counts, per-second buckets and sliding windows. Nothing here does I/O.
 */

/** Keeps points whose tag `k` equals the value, or one of the values of an array. */
export type TagFilter = Readonly<Record<string, string | readonly string[]>>;

/** The points of one group: parallel arrays, one entry per point, in no particular order. */
export interface SeriesGroup {
  /** The group's values of the grouping tags (a missing tag reads as ''). */
  key: Record<string, string>;
  /** `k=v,k=v` of the key, or `all` for the ungrouped series. */
  label: string;
  times: Float64Array;
  values: Float64Array;
}

interface Partition {
  tags: Readonly<Record<string, string>>;
  times: Float64Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  n: number;
}

// Small first: a run can have thousands of rare tag sets (a `url` per item), each its own partition.
const INITIAL = 8;
const GROW_BY_QUARTER = 1 << 16;

/** Label of a group key: stable, readable, used in reports and JUnit test names. */
export function groupLabel(key: Record<string, string>): string {
  const parts = Object.entries(key).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : 'all';
}

function matches(tags: Readonly<Record<string, string>>, where: TagFilter | undefined): boolean {
  if (!where) return true;
  for (const k in where) {
    const want = where[k];
    const have = tags[k];
    if (typeof want === 'string') {
      if (have !== want) return false;
    } else if (have === undefined || !(want as readonly string[]).includes(have)) return false;
  }
  return true;
}

/**
 * Every point read, partitioned by metric and by (interned) tags object. Appending is a typed-array store, so a
 * million points cost 16 MB, not a million objects. Equal tag sets reach `add` as one object (the decoder interns
 * them); `addPoint` interns foreign points itself.
 */
export class SeriesStore {
  private readonly byMetric = new Map<string, Map<object, Partition>>();
  private readonly interned = new Map<string, Readonly<Record<string, string>>>();
  private lastMetric = '';
  private lastTags: object | undefined;
  private lastPartition: Partition | undefined;
  private count = 0;
  /** Sorted values by question and group (see `sortedValues`); emptied when a point is added. */
  private readonly sorted = new Map<string, Float64Array>();
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;

  /** A `K6PointSink`: pass `store.add` to a reader. `tags` must be treated as immutable from here on. */
  readonly add = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number): void => {
    let part: Partition | undefined;
    if (tags === this.lastTags && metric === this.lastMetric) part = this.lastPartition;
    else {
      let parts = this.byMetric.get(metric);
      if (!parts) {
        parts = new Map();
        this.byMetric.set(metric, parts);
      }
      part = parts.get(tags);
      if (!part) {
        part = { tags, times: new Float64Array(INITIAL), values: new Float64Array(INITIAL), n: 0 };
        parts.set(tags, part);
      }
      this.lastMetric = metric;
      this.lastTags = tags;
      this.lastPartition = part;
    }
    const p = part as Partition;
    if (p.n === p.values.length) {
      // Doubling while small; past that a quarter more each time, so capacity never exceeds need by much (peak
      // memory is 16 bytes a point, not 32). `resizedBuffer` moves the values and frees the old memory at once: arrays
      // outgrown and left to the garbage collector would stay until it runs, which a small heap seldom asks for.
      const size = p.n < GROW_BY_QUARTER ? p.n * 2 : p.n + (p.n >> 2);
      p.times = new Float64Array(resizedBuffer(p.times.buffer, size * 8));
      p.values = new Float64Array(resizedBuffer(p.values.buffer, size * 8));
    }
    p.times[p.n] = time;
    p.values[p.n] = value;
    p.n++;
    this.count++;
    if (this.sorted.size > 0) this.sorted.clear();
    if (time < this.minTime) this.minTime = time;
    if (time > this.maxTime) this.maxTime = time;
  };

  /** Appends a point whose tags object may be new; equal tag sets are stored together. */
  addPoint(p: K6Point): void {
    const keys = Object.keys(p.tags).sort();
    const canonical = JSON.stringify(keys.map((k) => [k, p.tags[k]]));
    let tags = this.interned.get(canonical);
    if (!tags) {
      const copy: Record<string, string> = {};
      for (const k of keys) copy[k] = String(p.tags[k]);
      tags = Object.freeze(copy);
      this.interned.set(canonical, tags);
    }
    this.add(p.metric, tags, p.time, p.value);
  }

  /** Number of points stored. */
  get size(): number {
    return this.count;
  }

  /** First and last point time (ms), or undefined when empty. */
  span(): { start: number; end: number } | undefined {
    return this.count ? { start: this.minTime, end: this.maxTime } : undefined;
  }

  metrics(): string[] {
    return [...this.byMetric.keys()].sort();
  }

  /** Distinct values of one tag across a metric's points (e.g. every `vantage`), sorted. */
  tagValues(metric: string, tag: string, where?: TagFilter): string[] {
    const out = new Set<string>();
    for (const part of this.byMetric.get(metric)?.values() ?? []) {
      const v = part.tags[tag];
      if (v !== undefined && matches(part.tags, where)) out.add(v);
    }
    return [...out].sort();
  }

  /**
   * A group's values sorted (see `sortedCopy`), made once per question and group while no point is added: gates that
   * ask the same population for different percentiles (p95 and p99 of one metric) share one sort, the largest
   * cost of judging once the points are read.
   */
  sortedValues(metric: string, options: { where?: TagFilter; groupBy?: readonly string[] }, group: SeriesGroup): Float64Array {
    const key = JSON.stringify([metric, options.where ?? {}, options.groupBy ?? [], group.label]);
    let sorted = this.sorted.get(key);
    if (!sorted) {
      sorted = sortedCopy(group.values);
      this.sorted.set(key, sorted);
    }
    return sorted;
  }

  /**
   * The points of `metric` that match `where`, grouped by the values of the `groupBy` tags. Groups are sorted by
   * label, so the result does not depend on the order points were added in.
   */
  select(metric: string, options: { where?: TagFilter; groupBy?: readonly string[] } = {}): SeriesGroup[] {
    const groupBy = options.groupBy ?? [];
    const acc = new Map<string, { key: Record<string, string>; parts: Partition[]; n: number }>();
    for (const part of this.byMetric.get(metric)?.values() ?? []) {
      if (part.n === 0 || !matches(part.tags, options.where)) continue;
      const key: Record<string, string> = {};
      for (const k of groupBy) key[k] = part.tags[k] ?? '';
      const label = groupLabel(key);
      let g = acc.get(label);
      if (!g) {
        g = { key, parts: [], n: 0 };
        acc.set(label, g);
      }
      g.parts.push(part);
      g.n += part.n;
    }
    const groups: SeriesGroup[] = [];
    for (const [label, g] of [...acc.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (g.parts.length === 1) {
        const p = g.parts[0] as Partition;
        groups.push({ key: g.key, label, times: p.times.subarray(0, p.n), values: p.values.subarray(0, p.n) });
        continue;
      }
      const times = new Float64Array(g.n);
      const values = new Float64Array(g.n);
      let at = 0;
      for (const p of g.parts) {
        times.set(p.times.subarray(0, p.n), at);
        values.set(p.values.subarray(0, p.n), at);
        at += p.n;
      }
      groups.push({ key: g.key, label, times, values });
    }
    return groups;
  }
}

/**
 * A sorted copy (numeric order; the typed-array sort without a comparator, native code from the first call: a sort
 * written in JavaScript runs unoptimized for most of a short-lived process's few calls).
 */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  const copy = new Float64Array(values.length);
  copy.set(values);
  copy.sort();
  return copy;
}

/**
 * The p-th percentile (0-100) of sorted values by k6's method: i = p/100 * (n - 1), linear interpolation between
 * the values at floor(i) and ceil(i). NaN for no values (a gate treats that as no samples, never as 0).
 * @see https://grafana.com/docs/k6/latest/using-k6/metrics/reference/ (Trend: p(N))
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (n === 1) return sorted[0] as number;
  const i = (p / 100) * (n - 1);
  const lo = Math.floor(i);
  if (lo >= n - 1) return sorted[n - 1] as number;
  if (lo < 0) return sorted[0] as number;
  const a = sorted[lo] as number;
  const b = sorted[lo + 1] as number;
  return a + (b - a) * (i - lo);
}

/** The p-th percentile (0-100) of unsorted values, k6's method. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileSorted(sortedCopy(values), p);
}

/** k6's Rate: the share of non-zero values (for `http_req_failed`, the share of failed requests). */
export function rate(values: ArrayLike<number>): { rate: number; samples: number; nonZero: number } {
  let nonZero = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonZero++;
  return { rate: values.length ? nonZero / values.length : Number.NaN, samples: values.length, nonZero };
}

/** Per-second buckets of a group, from the second holding `origin` (default: the group's first point). */
export interface SecondBuckets {
  /** Ms since the epoch of bucket 0's start (a whole second). */
  start: number;
  counts: Uint32Array;
  /** Non-zero values per second (for rates). */
  nonZero: Uint32Array;
  /** For each point, its bucket; -1 for points before `start`. */
  bucketOf: Int32Array;
}

export function perSecond(group: Pick<SeriesGroup, 'times' | 'values'>, origin?: number): SecondBuckets {
  const { times, values } = group;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] as number;
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const start = Math.floor((origin ?? (times.length ? min : 0)) / 1000) * 1000;
  const size = times.length && max >= start ? Math.floor((max - start) / 1000) + 1 : 0;
  const counts = new Uint32Array(size);
  const nonZero = new Uint32Array(size);
  const bucketOf = new Int32Array(times.length);
  for (let i = 0; i < times.length; i++) {
    const b = Math.floor(((times[i] as number) - start) / 1000);
    bucketOf[i] = b < 0 ? -1 : b;
    if (b < 0) continue;
    counts[b] = (counts[b] as number) + 1;
    if (values[i] !== 0) nonZero[b] = (nonZero[b] as number) + 1;
  }
  return { start, counts, nonZero, bucketOf };
}

/** One window of a sliding evaluation: [start, end) in ms. */
export interface WindowStat {
  start: number;
  end: number;
  samples: number;
  value: number;
  /** With `orderStatistics`: the window's values at the asked ranks (null where no rank), and its count at or below `at`. */
  ranked?: { lower: number | null; upper: number | null; within: number };
}

/** Which order statistics of each window to report: 1-based ranks for a window of n, and a value to count up to. */
export interface OrderStatistics {
  ranks(n: number): { lower: number | null; upper: number | null };
  at: number;
}

/** Window starts (in buckets) of a sliding window over `size` buckets; one window over everything if shorter. */
function windowStarts(size: number, windowSeconds: number, stepSeconds: number): number[] {
  if (size === 0) return [];
  if (size <= windowSeconds) return [0];
  const out: number[] = [];
  for (let s = 0; s + windowSeconds <= size; s += stepSeconds) out.push(s);
  return out;
}

/**
 * k6 Rate over sliding windows of whole seconds (k6's own thresholds are cumulative only; k6 issue 2379).
 * Windows lie within the data; a series shorter than the window yields one window over all of it.
 */
export function slidingRate(
  group: Pick<SeriesGroup, 'times' | 'values'>,
  windowSeconds: number,
  stepSeconds = 1,
  origin?: number,
): WindowStat[] {
  const b = perSecond(group, origin);
  const n = b.counts.length;
  const cum = new Float64Array(n + 1);
  const cumBad = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    cum[i + 1] = (cum[i] as number) + (b.counts[i] as number);
    cumBad[i + 1] = (cumBad[i] as number) + (b.nonZero[i] as number);
  }
  return windowStarts(n, windowSeconds, stepSeconds).map((s) => {
    const e = Math.min(n, s + windowSeconds);
    const samples = (cum[e] as number) - (cum[s] as number);
    const bad = (cumBad[e] as number) - (cumBad[s] as number);
    return { start: b.start + s * 1000, end: b.start + e * 1000, samples, value: samples ? bad / samples : Number.NaN };
  });
}

/** Each value's rank in `sorted` (its sorted copy), ties given consecutive ranks so every point has its own slot. */
function ranksIn(values: ArrayLike<number>, sorted: Float64Array): Uint32Array {
  const n = values.length;
  const used = new Uint32Array(n);
  const rankOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    rankOf[i] = lo + (used[lo] as number);
    used[lo] = (used[lo] as number) + 1;
  }
  return rankOf;
}

/**
 * The points grouped by second (a counting sort), so a sweep adds and removes whole seconds: bucket k's points are
 * `byBucket[firstOf[k]]` up to `byBucket[firstOf[k + 1]]`; points before the first bucket are left out.
 */
function pointsByBucket(bucketOf: Int32Array, buckets: number): { firstOf: Uint32Array; byBucket: Uint32Array } {
  const firstOf = new Uint32Array(buckets + 1);
  for (let i = 0; i < bucketOf.length; i++) {
    const k = bucketOf[i] as number;
    if (k >= 0) firstOf[k + 1] = (firstOf[k + 1] as number) + 1;
  }
  for (let k = 0; k < buckets; k++) firstOf[k + 1] = (firstOf[k + 1] as number) + (firstOf[k] as number);
  const fill = firstOf.slice(0, buckets);
  const byBucket = new Uint32Array(firstOf[buckets] as number);
  for (let i = 0; i < bucketOf.length; i++) {
    const k = bucketOf[i] as number;
    if (k < 0) continue;
    byBucket[fill[k] as number] = i;
    fill[k] = (fill[k] as number) + 1;
  }
  return { firstOf, byBucket };
}

/** The points of a window as a Fenwick tree over their ranks in `sorted`: add, remove, k-th smallest, count below a rank. */
interface RankTree {
  update(rank: number, delta: number): void;
  /** The k-th smallest value in the tree (1-based k). */
  kth(k: number): number;
  /** How many points in the tree have a rank below `rank`. */
  countBelow(rank: number): number;
}

function rankTree(sorted: Float64Array): RankTree {
  const n = sorted.length;
  const tree = new Int32Array(n + 1);
  let high = 1;
  while (high * 2 <= n) high *= 2;
  return {
    update(rank, delta) {
      for (let i = rank + 1; i <= n; i += i & -i) tree[i] = (tree[i] as number) + delta;
    },
    kth(k) {
      // smallest position whose prefix count reaches k
      let pos = 0;
      let rest = k;
      for (let step = high; step > 0; step >>= 1) {
        const next = pos + step;
        if (next <= n && (tree[next] as number) < rest) {
          pos = next;
          rest -= tree[next] as number;
        }
      }
      return sorted[pos] as number;
    },
    countBelow(rank) {
      let total = 0;
      for (let i = rank; i > 0; i -= i & -i) total += tree[i] as number;
      return total;
    },
  };
}

/** The p-th percentile of a window of `count` points by k6's method, from its k-th smallest values. */
function windowPercentile(p: number, count: number, kth: (k: number) => number): number {
  if (count === 0) return Number.NaN;
  if (count === 1) return kth(1);
  const i = (p / 100) * (count - 1);
  const f = Math.floor(i);
  const a = kth(f + 1);
  return f + 1 >= count ? a : a + (kth(f + 2) - a) * (i - f);
}

/**
 * The p-th percentile (0-100, k6's method) over sliding windows of whole seconds, exact. Each value gets its rank
 * in the sorted whole; a Fenwick tree over ranks holds the window's points, so adding, removing and finding the
 * k-th smallest are O(log n) and a whole sweep is O(n log n), however much the windows overlap.
 */
export function slidingPercentile(
  group: Pick<SeriesGroup, 'times' | 'values'>,
  p: number,
  windowSeconds: number,
  stepSeconds = 1,
  origin?: number,
  orderStatistics?: OrderStatistics,
): WindowStat[] {
  const b = perSecond(group, origin);
  const nb = b.counts.length;
  const starts = windowStarts(nb, windowSeconds, stepSeconds);
  if (starts.length === 0) return [];
  const sorted = sortedCopy(group.values);
  const rankOf = ranksIn(group.values, sorted);
  const { firstOf, byBucket } = pointsByBucket(b.bucketOf, nb);
  const tree = rankTree(sorted);
  // Ranks below this hold values <= orderStatistics.at: a prefix count gives the window's values within it.
  let withinRank = 0;
  if (orderStatistics) while (withinRank < sorted.length && (sorted[withinRank] as number) <= orderStatistics.at) withinRank++;
  const moveBucket = (k: number, delta: number): void => {
    for (let j = firstOf[k] as number; j < (firstOf[k + 1] as number); j++) tree.update(rankOf[byBucket[j] as number] as number, delta);
  };
  const out: WindowStat[] = [];
  let lo = 0; // buckets [lo, hi) are in the tree
  let hi = 0;
  let inTree = 0;
  for (const s of starts) {
    const e = Math.min(nb, s + windowSeconds);
    for (; hi < e; hi++) {
      moveBucket(hi, 1);
      inTree += b.counts[hi] as number;
    }
    for (; lo < s; lo++) {
      moveBucket(lo, -1);
      inTree -= b.counts[lo] as number;
    }
    const stat: WindowStat = {
      start: b.start + s * 1000,
      end: b.start + e * 1000,
      samples: inTree,
      value: windowPercentile(p, inTree, tree.kth),
    };
    if (orderStatistics && inTree > 0) {
      const r = orderStatistics.ranks(inTree);
      const at = (rank: number | null) => (rank === null ? null : tree.kth(rank));
      stat.ranked = { lower: at(r.lower), upper: at(r.upper), within: tree.countBelow(withinRank) };
    }
    out.push(stat);
  }
  return out;
}
