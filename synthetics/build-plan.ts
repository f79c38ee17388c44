// From the resolved config (plus the few things a caller may override for one run) to the run plan a scenario
// reads. Pure: no file, no clock unless a runId is not given.

import type { CrosswindConfig } from '../config/schema.ts';
import type { ClientProfile } from '../config/synthetics-schema.ts';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import type { ArrivalRate, PlanRegion, PlanThresholds, PlanVantage, RegionPair, RunPlan, ScenarioName, ServedByRule } from './plan.ts';

/** What a caller may change for one run without editing the config. */
export interface PlanOverrides {
  scenario: ScenarioName;
  durationMs?: number;
  /** Rate per vantage (global-traffic), per region (regional-probe), per pair (read-your-writes). */
  ratePerSecond?: number;
  /** Vantage names (global-traffic, session-continuity). */
  vantages?: string[];
  /** Region names (regional-probe targets; read-your-writes pairs are made among them). */
  regions?: string[];
  /** Path requested (global-traffic). */
  path?: string;
  /** Replaces the configured thresholds; `{}` runs without any. */
  thresholds?: PlanThresholds;
  /** Max VUs per group, replacing the configured one. */
  maxVUs?: number;
  /** A client profile: its name tags the run; its DNS cache and connection reuse replace the configured ones. */
  profile?: ClientProfile;
  runId?: string;
}

function pick<T extends { name: string }>(all: T[], wanted: string[] | undefined, path: string, problems: ConfigProblem[]): T[] {
  if (!wanted) return all;
  const out: T[] = [];
  wanted.forEach((name, i) => {
    const found = all.find((x) => x.name === name);
    if (found) out.push(found);
    else
      problems.push({
        path: `${path}[${i}]`,
        message: `"${name}" is not configured (expected one of ${all.map((x) => `"${x.name}"`).join(', ')})`,
      });
  });
  return out;
}

/** The schema guarantees exactly one of the two. */
function servedByRule(s: { header?: string; jsonField?: string }): ServedByRule {
  return s.header !== undefined ? { header: s.header } : { jsonField: s.jsonField as string };
}

/** The distinct servedBy rules of the regions, in region order: what a response through a vantage is read with. */
function servedByRules(regions: PlanRegion[]): ServedByRule[] {
  const seen = new Set<string>();
  const rules: ServedByRule[] = [];
  for (const r of regions) {
    const key = JSON.stringify(r.servedBy);
    if (!seen.has(key)) {
      seen.add(key);
      rules.push(r.servedBy);
    }
  }
  return rules;
}

/**
 * Thresholds on plain metrics, repeated once per group (`http_req_failed{vantage:vantage-eu}`): k6 shows a tagged
 * sub-metric in its summary only if a threshold names it (k6 issue 1321).
 * @see https://grafana.com/docs/k6/latest/using-k6/thresholds/#thresholds-on-tags
 */
export function expandThresholds(base: PlanThresholds, tag: string, groups: string[], perGroup: boolean): PlanThresholds {
  const out: PlanThresholds = { ...base };
  if (!perGroup) return out;
  for (const [metric, expressions] of Object.entries(base)) {
    if (metric.includes('{')) continue;
    for (const group of groups) out[`${metric}{${tag}:${group}}`] = expressions;
  }
  return out;
}

function arrivalRate(perSecond: number, secondsPerIteration: number, maxVUs: number): ArrivalRate {
  const needed = Math.max(1, Math.ceil(perSecond * secondsPerIteration));
  return { perSecond, preAllocatedVUs: Math.min(needed, maxVUs), maxVUs: Math.max(maxVUs, 1) };
}

function defaultRunId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 17)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The run plan for one scenario. Throws a ConfigError naming each unknown vantage or region, before anything runs.
 */
export function buildPlan(config: CrosswindConfig, overrides: PlanOverrides): RunPlan {
  const s = config.synthetics;
  const problems: ConfigProblem[] = [];
  const regions: PlanRegion[] = config.regions.map((r) => ({ name: r.name, endpoint: r.endpoint, servedBy: servedByRule(r.servedBy) }));
  const allVantages: PlanVantage[] = config.vantages.map((v) => ({
    name: v.name,
    endpoint: v.endpoint,
    ...(v.netns ? { netns: v.netns } : {}),
  }));
  const base = {
    version: 1 as const,
    project: config.project,
    runId: overrides.runId ?? defaultRunId(),
    regions,
    servedBy: servedByRules(regions),
    http: { noConnectionReuse: overrides.profile?.noConnectionReuse ?? s.http.noConnectionReuse, timeoutMs: s.http.timeout },
    dns: {
      ttl: String(overrides.profile?.dns?.ttl ?? s.dns.ttl),
      select: overrides.profile?.dns?.select ?? s.dns.select,
      policy: overrides.profile?.dns?.policy ?? s.dns.policy,
    },
    ...(overrides.profile ? { profile: overrides.profile.name } : {}),
    summaryTrendStats: s.summaryTrendStats,
  };
  const timeoutS = s.http.timeout / 1000;
  // Vantages named for this run replace the configured ones; a problem names whichever list was read.
  const pickVantages = (configured: string[] | undefined, section: 'globalTraffic' | 'sessionContinuity') =>
    pick(allVantages, overrides.vantages ?? configured, overrides.vantages ? '--vantage' : `synthetics.${section}.vantages`, problems);
  // Thresholds given for this run replace the configured ones; either is repeated per group when so configured.
  const thresholdsPer = (configured: PlanThresholds, tag: string, groups: { name: string }[]) =>
    expandThresholds(
      overrides.thresholds ?? configured,
      tag,
      groups.map((g) => g.name),
      s.thresholdsPerGroup,
    );
  let plan: RunPlan;
  switch (overrides.scenario) {
    case 'global-traffic': {
      const c = s.globalTraffic;
      const vantages = pickVantages(c.vantages, 'globalTraffic');
      const perSecond = overrides.ratePerSecond ?? c.ratePerSecond;
      const maxVUs = overrides.maxVUs ?? c.maxVUs;
      plan = {
        ...base,
        scenario: 'global-traffic',
        durationMs: overrides.durationMs ?? c.duration,
        vantages,
        path: overrides.path ?? c.path,
        // One second's worth of requests in flight is preallocated; k6 adds VUs up to maxVUs when responses slow.
        rate: arrivalRate(perSecond, 1, maxVUs),
        thresholds: thresholdsPer(c.thresholds, 'vantage', vantages),
      };
      break;
    }
    case 'regional-probe': {
      const c = s.regionalProbe;
      const targets = pick(
        regions,
        overrides.regions ?? c.regions,
        overrides.regions ? '--region' : 'synthetics.regionalProbe.regions',
        problems,
      );
      const perSecond = overrides.ratePerSecond ?? c.ratePerSecond;
      plan = {
        ...base,
        scenario: 'regional-probe',
        // Regions are addressed directly: no name resolution to refresh, so kept-alive connections lose nothing.
        http: { ...base.http, noConnectionReuse: false },
        durationMs: overrides.durationMs ?? c.duration,
        vantages: [],
        healthPath: c.healthPath,
        paths: c.paths,
        targets: targets.map((r) => r.name),
        rate: arrivalRate(perSecond, 1, overrides.maxVUs ?? c.maxVUs),
        thresholds: thresholdsPer(c.thresholds, 'target_region', targets),
      };
      break;
    }
    case 'read-your-writes': {
      const c = s.readYourWrites;
      const among = pick(regions, overrides.regions, '--region', problems).map((r) => r.name);
      let pairs: RegionPair[];
      if (c.pairs && !overrides.regions) {
        pairs = c.pairs;
        c.pairs.forEach((p, i) => {
          for (const end of ['from', 'to'] as const) {
            if (!regions.some((r) => r.name === p[end])) {
              problems.push({ path: `synthetics.readYourWrites.pairs[${i}].${end}`, message: `"${p[end]}" is not a configured region` });
            }
          }
          if (p.from === p.to) problems.push({ path: `synthetics.readYourWrites.pairs[${i}]`, message: 'expected two different regions' });
        });
      } else {
        pairs = among.flatMap((from) => among.filter((to) => to !== from).map((to) => ({ from, to })));
      }
      if (pairs.length === 0) problems.push({ path: 'regions', message: 'read-your-writes needs at least two regions' });
      const perSecond = overrides.ratePerSecond ?? c.writesPerSecond;
      const deadlineS = c.deadline / 1000;
      const conv = c.convergence;
      plan = {
        ...base,
        scenario: 'read-your-writes',
        // Regions are addressed directly; new connections for every poll would only add load and lag.
        http: { ...base.http, noConnectionReuse: false },
        durationMs: overrides.durationMs ?? c.duration,
        vantages: [],
        itemsPath: c.itemsPath,
        pairs,
        // A write occupies its VU until it is seen (about the replication lag) or its deadline passes.
        rate: {
          perSecond,
          preAllocatedVUs: Math.max(1, Math.ceil(perSecond * Math.min(deadlineS, 2))),
          maxVUs: overrides.maxVUs ?? Math.ceil(perSecond * (deadlineS + timeoutS)) + 2,
        },
        deadlineMs: c.deadline,
        pollIntervalMs: c.pollInterval,
        convergence: {
          rate: {
            perSecond: conv.checksPerSecond,
            preAllocatedVUs: conv.checksPerSecond > 0 ? Math.max(1, Math.ceil(conv.checksPerSecond * 2)) : 0,
            maxVUs: conv.checksPerSecond > 0 ? Math.ceil(conv.checksPerSecond * (conv.deadline / 1000 + timeoutS)) + 2 : 0,
          },
          deadlineMs: conv.deadline,
        },
        thresholds: expandThresholds(overrides.thresholds ?? c.thresholds, 'from', [...new Set(pairs.map((p) => p.from))], false),
      };
      break;
    }
    case 'session-continuity': {
      const c = s.sessionContinuity;
      const vantages = pickVantages(c.vantages, 'sessionContinuity');
      plan = {
        ...base,
        scenario: 'session-continuity',
        durationMs: overrides.durationMs ?? c.duration,
        vantages,
        sessionsPath: c.sessionsPath,
        sessionsPerVantage: c.sessionsPerVantage,
        checkIntervalMs: c.checkInterval,
        thresholds: thresholdsPer(c.thresholds, 'vantage', vantages),
      };
      break;
    }
  }
  if (
    problems.length === 0 &&
    (plan.scenario === 'global-traffic' || plan.scenario === 'session-continuity') &&
    plan.vantages.length === 0
  ) {
    problems.push({ path: 'vantages', message: 'expected at least one vantage' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return plan;
}
