import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetHealthCheckStatusCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { isThrottling } from '../chaos/aws-call.ts';
import { healthyFromObservations } from '../chaos/health.ts';
import { median } from '../validations/mann-whitney.ts';

/** One `health.jsonl` line: a region's health as Route 53 reports it, when it was read. */
export interface HealthLine {
  time: number;
  region: string;
  healthy: boolean;
  source: 'route53';
}

export interface HealthWatchOptions {
  route53: Pick<Route53Client, 'send'>;
  /** Regions with a health check id; a region without one cannot be watched. */
  regions: { name: string; healthCheckId: string }[];
  file: string;
  /** Route 53 requests a second the watch may make, all regions together (`aws.route53RequestsPerSecond`). */
  requestsPerSecond: number;
  log?: (line: string) => void;
  now?: () => number;
  /** Waits `ms`; resolves early (or rejects) when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
}

/** How finely the watch saw each region's health: what the run's detection times can resolve. */
export interface HealthPolling {
  requestsPerSecond: number;
  /** The planned time between two reads of one region: regions / requestsPerSecond. */
  intervalMs: number;
  requests: number;
  /** Requests Route 53 throttled; each one slowed the watch down. */
  throttled: number;
  /** Per region: reads that gave a status, and the median and largest time between two of them. */
  regions: Record<string, { reads: number; medianGapMs: number | null; maxGapMs: number | null }>;
}

/** A throttled watch slows down to at most this many times its planned interval. */
const MAX_BACKOFF = 16;

/** Pure: the reads of one region as the resolution they achieved. */
export function readGaps(times: readonly number[]): { reads: number; medianGapMs: number | null; maxGapMs: number | null } {
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  return { reads: times.length, medianGapMs: gaps.length ? median(gaps) : null, maxGapMs: gaps.length ? Math.max(...gaps) : null };
}

/**
 * Polls GetHealthCheckStatus for every region and appends an observation per read to `health.jsonl`, the input the
 * failover gate's detection time comes from. Reads Route 53's own status (the checkers' observations), never the
 * health check's flags: detection is when Route 53 says unhealthy, not when crosswind asked it to be.
 *
 * Route 53 allows an account 5 API requests a second, shared by every tool in it; a drill that polls faster throttles
 * itself and the operators' other tooling. So the watch reads one region at a time, round robin, at most
 * `requestsPerSecond` requests a second for all regions together; a throttled request doubles the spacing (up to 16
 * times), and each read that goes through halves it again, down to the plan. `stop()` says the resolution achieved.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests
 */
export function watchHealth(options: HealthWatchOptions): { stop(): Promise<HealthPolling> } {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms, signal) => sleep(ms, undefined, { signal }).catch(() => {}));
  // Whole milliseconds, rounded up: n requests never fit in less than n / requestsPerSecond seconds.
  const base = Math.ceil(1000 / options.requestsPerSecond);
  const times = new Map(options.regions.map((r) => [r.name, [] as number[]]));
  const stopping = new AbortController();
  let requests = 0;
  let throttled = 0;
  let errors = 0;
  let spacing = base;
  const read = async (r: { name: string; healthCheckId: string }) => {
    requests++;
    try {
      const out = await options.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: r.healthCheckId }));
      spacing = Math.max(base, spacing / 2);
      const healthy = healthyFromObservations((out.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status));
      if (healthy === undefined || stopping.signal.aborted) return;
      const line: HealthLine = { time: now(), region: r.name, healthy, source: 'route53' };
      times.get(r.name)?.push(line.time);
      appendFileSync(options.file, `${JSON.stringify(line)}\n`);
    } catch (err) {
      if (isThrottling(err)) {
        if (throttled++ === 0) options.log?.('health watch: Route 53 throttled GetHealthCheckStatus; reading less often');
        spacing = Math.min(base * MAX_BACKOFF, spacing * 2);
        return;
      }
      // One missed read costs resolution, not correctness; say so once in a while rather than fail the drill.
      if (errors++ % 20 === 0) options.log?.(`health watch: GetHealthCheckStatus ${r.healthCheckId} failed: ${(err as Error).message}`);
    }
  };
  const loop = (async () => {
    for (let i = 0; options.regions.length > 0 && !stopping.signal.aborted; i++) {
      const started = now();
      await read(options.regions[i % options.regions.length] as { name: string; healthCheckId: string });
      // Starts at least `spacing` apart: a slow answer uses up its own wait.
      await wait(Math.max(0, spacing - (now() - started)), stopping.signal);
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
      return {
        requestsPerSecond: options.requestsPerSecond,
        intervalMs: base * options.regions.length,
        requests,
        throttled,
        regions: Object.fromEntries([...times].map(([name, t]) => [name, readGaps(t)])),
      };
    },
  };
}

/** Pure: the line a game day prints about its health polling, e.g. `Route 53 health read every 1 s per region ...`. */
export function describePolling(p: HealthPolling): string {
  const secs = (ms: number | null) => (ms === null ? 'n/a' : `${Number((ms / 1000).toPrecision(3))} s`);
  const achieved = Object.entries(p.regions)
    .map(([name, r]) => `${name} ${r.reads} reads, median ${secs(r.medianGapMs)}, max ${secs(r.maxGapMs)}`)
    .join('; ');
  return (
    `Route 53 health read every ${secs(p.intervalMs)} per region (${p.requestsPerSecond} requests/s for all regions, ` +
    `${p.requests} requests, ${p.throttled} throttled): ${achieved}`
  );
}
