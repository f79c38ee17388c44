// k6 options built from the plan: the executors, the connection policy and the thresholds, so a scenario file
// only says which function runs against what.
import type { ConstantArrivalRateScenario, ConstantVUsScenario, Options } from 'k6/options';
import type { ArrivalRate, RunPlan } from '../plan.ts';

/** k6 scenario names allow only letters, digits, `_` and `-`. */
export function k6ScenarioName(...parts: string[]): string {
  return parts.join('_').replace(/[^A-Za-z0-9_-]/g, '-');
}

/** `perSecond` as k6's integer `rate` per `timeUnit`: per second when whole, else per minute. */
export function rateAndUnit(perSecond: number): { rate: number; timeUnit: string } {
  if (Number.isInteger(perSecond)) return { rate: perSecond, timeUnit: '1s' };
  return { rate: Math.max(1, Math.round(perSecond * 60)), timeUnit: '1m' };
}

/**
 * A constant-arrival-rate scenario: iterations start at a fixed rate whatever the latency, as users arrive.
 * @see https://grafana.com/docs/k6/latest/using-k6/scenarios/executors/constant-arrival-rate/
 */
export function arrivalRateScenario(
  rate: ArrivalRate,
  durationMs: number,
  execName: string,
  env: Record<string, string>,
  gracefulStopMs: number,
): ConstantArrivalRateScenario {
  return {
    executor: 'constant-arrival-rate',
    ...rateAndUnit(rate.perSecond),
    duration: `${durationMs}ms`,
    preAllocatedVUs: rate.preAllocatedVUs,
    maxVUs: rate.maxVUs,
    exec: execName,
    env,
    gracefulStop: `${gracefulStopMs}ms`,
  };
}

/** A constant-VUs scenario: `vus` loops for the duration, each holding its own state (a session). */
export function constantVusScenario(
  vus: number,
  durationMs: number,
  execName: string,
  env: Record<string, string>,
  gracefulStopMs: number,
): ConstantVUsScenario {
  return { executor: 'constant-vus', vus, duration: `${durationMs}ms`, exec: execName, env, gracefulStop: `${gracefulStopMs}ms` };
}

/**
 * The system tags kept on k6's built-in metrics.
 * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#system-tags
 */
export const SYSTEM_TAGS = ['status', 'method', 'name', 'scenario', 'check', 'error', 'error_code', 'expected_response'];

/**
 * Options every scenario shares. `noConnectionReuse` makes each request dial (and so resolve) again, which is
 * how a DNS-level failover reaches a client.
 * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#no-connection-reuse
 */
export function baseOptions(plan: RunPlan): Options {
  return {
    // Every sample is written to the NDJSON output; tags nobody groups by (url duplicates name, proto, group, TLS)
    // only make each line longer to encode.
    systemTags: SYSTEM_TAGS,
    // A body is read only for the requests that parse it (see lib/request.ts): most of global traffic needs headers only.
    discardResponseBodies: true,
    thresholds: plan.thresholds,
    summaryTrendStats: plan.summaryTrendStats,
    noConnectionReuse: plan.http.noConnectionReuse,
    // The launcher resolves `record` before k6 starts; a plan still saying so (an IP endpoint) keeps k6's default.
    ...(plan.dns.ttl === 'record' ? {} : { dns: { ttl: plan.dns.ttl, select: plan.dns.select, policy: plan.dns.policy } }),
    // A client profile tags every sample and names itself to the servers (their request logs are the wire's truth).
    ...(plan.profile ? { userAgent: `crosswind-k6 (profile ${plan.profile})` } : {}),
    ...(plan.profile || plan.tags ? { tags: { ...plan.tags, ...(plan.profile ? { profile: plan.profile } : {}) } } : {}),
    // Grafana Cloud k6 reads the load-zone distribution from the script's options.
    ...(plan.cloud ? { cloud: plan.cloud } : {}),
  };
}
