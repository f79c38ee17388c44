import type { K6Point } from '../core/k6-output.ts';

// Live terminal progress for a running drill or rollout: phase, share of traffic per region, error rate, elapsed.
// The tally is folded from the live k6 point stream, one `request_failed` point per request (value 1 = failed, tagged
// with `served_by`: k6's own http_req_failed cannot carry the region read from the response),
// in per-second buckets so the share shown is the recent one and a failover is visible as it happens.

/** The synthetics' per-request Rate: 1 = failed, tagged with the `served_by` read from the response. */
export const REQUEST_FAILED = 'request_failed';

interface Bucket {
  requests: number;
  failed: number;
  /** Successful answers per serving region. */
  byRegion: Map<string, number>;
  /** Failed answers per serving region, when the failure still carried the region's stamp (a 5xx, not a timeout). */
  failedByRegion: Map<string, number>;
}

export interface ProgressTally {
  /** Per-second buckets keyed by the second (ms since epoch / 1000, floored). */
  buckets: Map<number, Bucket>;
  latestSecond: number;
  total: number;
  totalFailed: number;
}

export function newTally(): ProgressTally {
  return { buckets: new Map(), latestSecond: 0, total: 0, totalFailed: 0 };
}

/** How long the recent window shown is; older buckets are dropped so a long run keeps a small tally. */
export const WINDOW_SECONDS = 5;

/** Folds one point into the tally (mutating it: this runs once per request and must stay cheap). */
export function foldPoint(tally: ProgressTally, point: K6Point): void {
  if (point.metric !== REQUEST_FAILED) return;
  const second = Math.floor(point.time / 1000);
  let bucket = tally.buckets.get(second);
  if (!bucket) {
    bucket = { requests: 0, failed: 0, byRegion: new Map(), failedByRegion: new Map() };
    tally.buckets.set(second, bucket);
  }
  const failed = point.value > 0;
  bucket.requests += 1;
  tally.total += 1;
  if (failed) {
    bucket.failed += 1;
    tally.totalFailed += 1;
    const region = point.tags.served_by;
    if (region && region !== 'unknown') bucket.failedByRegion.set(region, (bucket.failedByRegion.get(region) ?? 0) + 1);
  } else {
    // Only successful answers count toward a region's share: a failed request was not served.
    const region = point.tags.served_by || 'unknown';
    bucket.byRegion.set(region, (bucket.byRegion.get(region) ?? 0) + 1);
  }
  if (second > tally.latestSecond) {
    tally.latestSecond = second;
    for (const s of tally.buckets.keys()) if (s <= second - WINDOW_SECONDS * 2) tally.buckets.delete(s);
  }
}

export interface ProgressSnapshot {
  phase: string;
  elapsedMs: number;
  /** Share of successful requests per region in the recent window, 0-1, in the order of `regions`. */
  shares: { region: string; share: number }[];
  /** Failed / all requests in the recent window; undefined with no requests. */
  errorRate: number | undefined;
  windowRequests: number;
  total: number;
  totalFailed: number;
}

/** Pure: what the tally says over the last WINDOW_SECONDS complete and current seconds. */
export function snapshot(tally: ProgressTally, phase: string, elapsedMs: number, regions: readonly string[]): ProgressSnapshot {
  let requests = 0;
  let failed = 0;
  const byRegion = new Map<string, number>();
  for (const [second, bucket] of tally.buckets) {
    if (second <= tally.latestSecond - WINDOW_SECONDS) continue;
    requests += bucket.requests;
    failed += bucket.failed;
    for (const [region, n] of bucket.byRegion) byRegion.set(region, (byRegion.get(region) ?? 0) + n);
  }
  const served = requests - failed;
  const extra = [...byRegion.keys()].filter((r) => !regions.includes(r)).sort();
  const shares = [...regions, ...extra].map((region) => ({ region, share: served > 0 ? (byRegion.get(region) ?? 0) / served : 0 }));
  return {
    phase,
    elapsedMs,
    shares,
    errorRate: requests > 0 ? failed / requests : undefined,
    windowRequests: requests,
    total: tally.total,
    totalFailed: tally.totalFailed,
  };
}

/**
 * Pure: the recent error rate of the answers `regions` gave (failed / all answers stamped by one of them), or
 * undefined with no answer from them: the blast-radius signal a fault session's stop conditions watch.
 */
export function regionErrorRate(tally: ProgressTally, regions: readonly string[]): number | undefined {
  let answers = 0;
  let failed = 0;
  for (const [second, bucket] of tally.buckets) {
    if (second <= tally.latestSecond - WINDOW_SECONDS) continue;
    for (const r of regions) {
      const bad = bucket.failedByRegion.get(r) ?? 0;
      failed += bad;
      answers += bad + (bucket.byRegion.get(r) ?? 0);
    }
  }
  return answers > 0 ? failed / answers : undefined;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
}

/**
 * Pure: one line of progress, e.g.
 * `[01:12] observe            us-east-1 0% | us-west-2 58% | eu-west-1 42%   errors 0.4%   212 req/5s`.
 */
export function renderProgress(s: ProgressSnapshot): string {
  const shares = s.shares.map((x) => `${x.region} ${percent(x.share)}`).join(' | ');
  const errors = s.errorRate === undefined ? 'errors -' : `errors ${(s.errorRate * 100).toFixed(1)}%`;
  return `[${clock(s.elapsedMs)}] ${s.phase.padEnd(18)} ${shares || 'no traffic yet'}   ${errors}   ${s.windowRequests} req/${WINDOW_SECONDS}s`;
}

export interface ProgressPrinter {
  /** Feed of the live point stream. */
  point(point: K6Point): void;
  phase(name: string): void;
  /** Prints a message on its own line without garbling the progress line. */
  note(text: string): void;
  /** The recent error rate of the answers these regions gave (see regionErrorRate). */
  errorRate(regions: readonly string[]): number | undefined;
  stop(): void;
}

export interface ProgressOptions {
  regions: readonly string[];
  write: (text: string) => void;
  /** A TTY gets one line redrawn in place; anything else gets a line every `lineEveryMs`. */
  tty: boolean;
  /** Notes only, no progress lines (`--no-progress`). */
  quiet?: boolean;
  now?: () => number;
  lineEveryMs?: number;
  refreshMs?: number;
}

/** The impure edge: a timer that renders the tally, in place on a TTY and as plain lines elsewhere (CI logs). */
export function progressPrinter(options: ProgressOptions): ProgressPrinter {
  const now = options.now ?? Date.now;
  const started = now();
  const tally = newTally();
  let phase = 'starting';
  let lastLine = 0;
  let drawn = false;
  const draw = (force = false) => {
    if (options.quiet) return;
    const line = renderProgress(snapshot(tally, phase, now() - started, options.regions));
    if (options.tty) {
      options.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else if (force || now() - lastLine >= (options.lineEveryMs ?? 5000)) {
      options.write(`${line}\n`);
      lastLine = now();
    }
  };
  const clear = () => {
    if (options.tty && drawn) options.write('\r\x1b[2K');
    drawn = false;
  };
  const timer = setInterval(() => draw(), options.refreshMs ?? (options.tty ? 250 : 1000));
  timer.unref();
  return {
    point: (p) => foldPoint(tally, p),
    phase(name) {
      phase = name;
      draw(true);
    },
    note(text) {
      clear();
      options.write(text.endsWith('\n') ? text : `${text}\n`);
      // On a TTY the progress line comes back under the note; in a log the next periodic line is enough.
      if (options.tty) draw(true);
    },
    errorRate: (regions) => regionErrorRate(tally, regions),
    stop() {
      clearInterval(timer);
      if (options.tty && drawn) options.write('\n');
    },
  };
}
