import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { awsSchema } from '../../../config/schema.ts';
import { describePolling, type HealthPolling, watchHealth } from '../../../pipelines/health-watch.ts';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'].map((name, i) => ({ name, healthCheckId: `hc-${i}` }));
/** How long Route 53 takes to answer, in the fake clock. */
const LATENCY_MS = 40;

/**
 * A game day's health watch against a fake Route 53 on a fake clock: every request is recorded with its time, and
 * those inside `throttle` are refused with Route 53's Throttling error. Runs until the clock reaches `untilMs`.
 */
async function watch(requestsPerSecond: number, untilMs: number, throttle?: { from: number; to: number }) {
  let t = 0;
  const calls: { time: number; id: string; throttled: boolean }[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'crosswind-health-watch-'));
  const route53 = {
    async send(command: { input: unknown }) {
      const id = (command.input as { HealthCheckId: string }).HealthCheckId;
      const throttled = throttle !== undefined && t >= throttle.from && t < throttle.to;
      calls.push({ time: t, id, throttled });
      t += LATENCY_MS;
      if (throttled) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } });
      return { HealthCheckObservations: [{ StatusReport: { Status: 'Success: HTTP Status Code 200, OK' } }] };
    },
  };
  const w = watchHealth({
    route53: route53 as never,
    regions: REGIONS,
    file: join(dir, 'health.jsonl'),
    requestsPerSecond,
    now: () => t,
    sleep: (ms) => {
      t += ms;
      return new Promise((r) => setImmediate(r));
    },
  });
  while (t < untilMs) await new Promise((r) => setImmediate(r));
  const polling = (await w.stop()) as HealthPolling;
  const lines = readFileSync(join(dir, 'health.jsonl'), 'utf8').trim().split('\n');
  rmSync(dir, { recursive: true, force: true });
  return { calls, polling, lines };
}

/** The most requests that started within any one second. */
function busiestSecond(times: number[]): number {
  return Math.max(...times.map((start) => times.filter((x) => x >= start && x < start + 1000).length));
}

describe("health watch: a drill within Route 53's API budget", () => {
  it('by default reads all regions together at most 3 times a second (Route 53 allows an account 5), each every 1 s', async () => {
    const { route53RequestsPerSecond } = awsSchema.parse({ accountIds: ['123456789012'] });
    expect(route53RequestsPerSecond, "the default leaves room in the account's 5 requests a second").to.be.at.most(5);
    const { calls, polling, lines } = await watch(route53RequestsPerSecond, 30_000);
    expect(calls.length, 'requests in 30 s').to.be.within(85, 91);
    expect(busiestSecond(calls.map((c) => c.time)), 'requests in the busiest second').to.be.at.most(route53RequestsPerSecond);
    expect(lines, 'one health.jsonl line a read').to.have.length(calls.length);
    expect(polling).to.include({ requestsPerSecond: route53RequestsPerSecond, intervalMs: 1002, requests: calls.length, throttled: 0 });
    for (const r of REGIONS) {
      const region = polling.regions[r.name];
      expect(region?.reads, `${r.name} reads`).to.be.within(28, 31);
      expect(region?.medianGapMs, `${r.name} median time between reads`).to.equal(1002);
      expect(region?.maxGapMs, `${r.name} largest time between reads`).to.equal(1002);
    }
  });

  it('backs off while Route 53 throttles, then comes back to the planned rate, and counts the throttled requests', async () => {
    const throttle = { from: 5_000, to: 15_000 };
    const { calls, polling } = await watch(3, 30_000, throttle);
    const during = calls.filter((c) => c.time >= throttle.from && c.time < throttle.to);
    // At the planned 3 a second the watch would have sent 30 requests into the throttle; backing off, a handful.
    expect(during.length, 'requests while throttled').to.be.within(1, 8);
    expect(polling.throttled, 'throttled requests counted').to.equal(calls.filter((c) => c.throttled).length);
    expect(polling.throttled, 'throttled requests counted').to.be.greaterThan(0);
    const late = calls.filter((c) => c.time >= 22_000 && c.time < 30_000);
    expect(late.length, 'requests in the last 8 s, back at 3 a second').to.be.within(23, 25);
    expect(Math.max(...Object.values(polling.regions).map((r) => r.maxGapMs ?? 0)), 'the largest gap, during the throttle').to.be.above(
      5_000,
    );
  });

  it('says the resolution it achieved, per region', () => {
    const line = describePolling({
      requestsPerSecond: 3,
      intervalMs: 1000,
      requests: 90,
      throttled: 2,
      regions: {
        'us-east-1': { reads: 30, medianGapMs: 1000, maxGapMs: 2500 },
        'eu-west-1': { reads: 0, medianGapMs: null, maxGapMs: null },
      },
    });
    expect(line).to.equal(
      'Route 53 health read every 1 s per region (3 requests/s for all regions, 90 requests, 2 throttled): ' +
        'us-east-1 30 reads, median 1 s, max 2.5 s; eu-west-1 0 reads, median n/a, max n/a',
    );
  });
});
