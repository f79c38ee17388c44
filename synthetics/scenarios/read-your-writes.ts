// Read your writes across regions: write an item in region A, poll region B until the write is visible. The time it
// took is `replication_lag_ms` (tagged `from`, `to`); a write not seen within the deadline is a lost write
// (`lost_writes`). Separately, one item written in two regions at once must converge to the same value in every
// region (`convergence_ok`), as last-writer-wins replication promises.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { loadPlan } from '../lib/load-plan.ts';
import { arrivalRateScenario, baseOptions, k6ScenarioName } from '../lib/options.ts';
import { type Answer, jsonHeaders, type RequestOptions, send, sendBatch, tagOrigin } from '../lib/request.ts';
import type { PlanRegion } from '../plan.ts';

const plan = loadPlan('read-your-writes');
const FROM_ENV = 'CROSSWIND_FROM';
const TO_ENV = 'CROSSWIND_TO';
const slack = plan.http.timeoutMs + 1000;

const scenarios: NonNullable<Options['scenarios']> = Object.fromEntries(
  plan.pairs.map((p) => [
    k6ScenarioName('read-your-writes', p.from, p.to),
    arrivalRateScenario(plan.rate, plan.durationMs, 'writeThenRead', { [FROM_ENV]: p.from, [TO_ENV]: p.to }, plan.deadlineMs + slack),
  ]),
);
if (plan.convergence.rate.perSecond > 0) {
  scenarios[k6ScenarioName('read-your-writes', 'convergence')] = arrivalRateScenario(
    plan.convergence.rate,
    plan.durationMs,
    'converge',
    {},
    plan.convergence.deadlineMs + 2 * slack,
  );
}
export const options: Options = { ...baseOptions(plan), scenarios };

/** From the acknowledged write in `from` to the first read in `to` that returns it, ms. */
const replicationLag = new Trend('replication_lag_ms', true);
/** Writes not visible in `to` within the deadline. */
const lostWrites = new Counter('lost_writes');
/** Writes the writer region refused (not replication's fault, so not lost writes). */
const failedWrites = new Counter('failed_writes');
/** 1 when every region agreed on one of the concurrently written values within the deadline. */
const convergenceOk = new Rate('convergence_ok');
/** From both writes acknowledged to every region agreeing, ms. */
const convergenceTime = new Trend('convergence_ms', true);

const regions = new Map<string, PlanRegion>(plan.regions.map((r) => [r.name, r]));
const involved = [...new Set(plan.pairs.flatMap((p) => [p.from, p.to]))].map((n) => regions.get(n) as PlanRegion);
// Unordered pairs for the convergence checks: each iteration writes one item in both regions of one pair.
const unordered = plan.pairs.filter((p) => p.from < p.to || !plan.pairs.some((q) => q.from === p.to && q.to === p.from));

function regionNamed(name: string | undefined): PlanRegion {
  const region = regions.get(name ?? '');
  if (!region) throw new Error(`unknown region "${name}"`);
  return region;
}

function requestOptions(region: PlanRegion, name: string, poll: boolean): RequestOptions {
  return {
    servedBy: [region.servedBy, ...plan.servedBy],
    timeoutMs: plan.http.timeoutMs,
    name,
    json: true,
    headers: jsonHeaders(),
    notFoundExpected: poll,
  };
}

function itemValue(answer: Answer): unknown {
  if (answer.res.status !== 200 || answer.body === null || typeof answer.body !== 'object') return undefined;
  return (answer.body as Record<string, unknown>).value;
}

const itemName = `${plan.itemsPath}/:id`;

/** Write one item in `from`, then poll `to` until it shows the written value or the deadline passes. */
export function writeThenRead(): void {
  const from = regionNamed(__ENV[FROM_ENV]);
  const to = regionNamed(__ENV[TO_ENV]);
  const pairTags = { from: from.name, to: to.name };
  const id = `${plan.runId}-${from.name}-${to.name}-${exec.scenario.iterationInTest}`;
  const value = `${id}@${Date.now()}`;
  tagOrigin({ scenario: plan.scenario, targetRegion: from.name });
  const write = send('PUT', `${from.endpoint}${plan.itemsPath}/${id}`, JSON.stringify({ value }), requestOptions(from, itemName, false));
  if (!write.ok) {
    failedWrites.add(1, pairTags);
    return;
  }
  const acknowledgedAt = Date.now();
  tagOrigin({ scenario: plan.scenario, targetRegion: to.name });
  for (;;) {
    const read = send('GET', `${to.endpoint}${plan.itemsPath}/${id}`, null, requestOptions(to, itemName, true));
    const now = Date.now();
    if (itemValue(read) === value) {
      replicationLag.add(now - acknowledgedAt, pairTags);
      check(read.res, { 'write visible in the other region': () => true }, pairTags);
      return;
    }
    if (now - acknowledgedAt >= plan.deadlineMs) break;
    sleep(plan.pollIntervalMs / 1000);
  }
  lostWrites.add(1, pairTags);
  check(null, { 'write visible in the other region': () => false }, pairTags);
}

/** Write one item in two regions at once, then poll every region until all return the same written value. */
export function converge(): void {
  const pair = unordered[exec.scenario.iterationInTest % unordered.length];
  if (!pair) return;
  const a = regionNamed(pair.from);
  const b = regionNamed(pair.to);
  const tags = { regions: `${a.name},${b.name}` };
  const id = `${plan.runId}-converge-${exec.scenario.iterationInTest}`;
  const values = [`${id}@${a.name}`, `${id}@${b.name}`];
  tagOrigin({ scenario: plan.scenario });
  const writes = sendBatch(
    [a, b].map((region, i) => ({
      method: 'PUT',
      url: `${region.endpoint}${plan.itemsPath}/${id}`,
      body: JSON.stringify({ value: values[i] }),
      options: requestOptions(region, itemName, false),
    })),
  );
  if (writes.some((w) => !w.ok)) {
    failedWrites.add(1, tags);
    return;
  }
  const writtenAt = Date.now();
  for (;;) {
    const reads = sendBatch(
      involved.map((region) => ({
        method: 'GET',
        url: `${region.endpoint}${plan.itemsPath}/${id}`,
        body: null,
        options: requestOptions(region, itemName, true),
      })),
    );
    const seen = reads.map(itemValue);
    const first = seen[0];
    if (typeof first === 'string' && values.includes(first) && seen.every((v) => v === first)) {
      convergenceTime.add(Date.now() - writtenAt, tags);
      convergenceOk.add(true, tags);
      check(null, { 'concurrent writes converged': () => true }, tags);
      return;
    }
    if (Date.now() - writtenAt >= plan.convergence.deadlineMs) break;
    sleep(plan.pollIntervalMs / 1000);
  }
  convergenceOk.add(false, tags);
  check(null, { 'concurrent writes converged': () => false }, tags);
}
