// From the resolved config (plus the few things a caller may override for one run) to the run plan a scenario
// reads. Pure: no file, no clock unless a runId is not given.

import type { CrosswindConfig } from '../config/schema.ts';
import type { ClientProfile } from '../config/synthetics-schema.ts';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import type {
  ArrivalRate,
  GlobalTrafficPlan,
  PlanRegion,
  PlanThresholds,
  PlanVantage,
  ReadYourWritesPlan,
  RegionalProbePlan,
  RegionPair,
  RunPlan,
  ScenarioName,
  ServedByRule,
  SessionContinuityPlan,
} from './plan.ts';

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
  /** Tags on every sample of the run, e.g. `{ rollout_phase: 'baseline' }`. */
  tags?: Record<string, string>;
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

/** What every scenario's plan holds: the project, the regions, and the client (the run's profile, else the config's). */
function commonPlan(config: CrosswindConfig, overrides: PlanOverrides) {
  const s = config.synthetics;
  const regions: PlanRegion[] = config.regions.map((r) => ({ name: r.name, endpoint: r.endpoint, servedBy: servedByRule(r.servedBy) }));
  return {
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
    ...(overrides.tags ? { tags: overrides.tags } : {}),
    summaryTrendStats: s.summaryTrendStats,
  };
}

/** What a scenario's plan is built from; each problem found on the way goes into `problems`. */
interface PlanInputs {
  synthetics: CrosswindConfig['synthetics'];
  vantages: PlanVantage[];
  overrides: PlanOverrides;
  base: ReturnType<typeof commonPlan>;
  problems: ConfigProblem[];
}

/** Vantages named for this run replace the configured ones; a problem names whichever list was read. */
function pickVantages(i: PlanInputs, configured: string[] | undefined, section: 'globalTraffic' | 'sessionContinuity'): PlanVantage[] {
  const path = i.overrides.vantages ? '--vantage' : `synthetics.${section}.vantages`;
  return pick(i.vantages, i.overrides.vantages ?? configured, path, i.problems);
}

/** Thresholds given for this run replace the configured ones; either is repeated per group when so configured. */
function thresholdsPer(i: PlanInputs, configured: PlanThresholds, tag: string, groups: { name: string }[]): PlanThresholds {
  const names = groups.map((g) => g.name);
  return expandThresholds(i.overrides.thresholds ?? configured, tag, names, i.synthetics.thresholdsPerGroup);
}

function globalTrafficPlan(i: PlanInputs): GlobalTrafficPlan {
  const c = i.synthetics.globalTraffic;
  const vantages = pickVantages(i, c.vantages, 'globalTraffic');
  return {
    ...i.base,
    scenario: 'global-traffic',
    durationMs: i.overrides.durationMs ?? c.duration,
    vantages,
    path: i.overrides.path ?? c.path,
    // One second's worth of requests in flight is preallocated; k6 adds VUs up to maxVUs when responses slow.
    rate: arrivalRate(i.overrides.ratePerSecond ?? c.ratePerSecond, 1, i.overrides.maxVUs ?? c.maxVUs),
    thresholds: thresholdsPer(i, c.thresholds, 'vantage', vantages),
  };
}

function regionalProbePlan(i: PlanInputs): RegionalProbePlan {
  const c = i.synthetics.regionalProbe;
  const path = i.overrides.regions ? '--region' : 'synthetics.regionalProbe.regions';
  const targets = pick(i.base.regions, i.overrides.regions ?? c.regions, path, i.problems);
  return {
    ...i.base,
    scenario: 'regional-probe',
    // Regions are addressed directly: no name resolution to refresh, so kept-alive connections lose nothing.
    http: { ...i.base.http, noConnectionReuse: false },
    durationMs: i.overrides.durationMs ?? c.duration,
    vantages: [],
    healthPath: c.healthPath,
    paths: c.paths,
    targets: targets.map((r) => r.name),
    rate: arrivalRate(i.overrides.ratePerSecond ?? c.ratePerSecond, 1, i.overrides.maxVUs ?? c.maxVUs),
    // A shallow health endpoint fails the run unless only a warning was asked for (thresholds given for this run win).
    thresholds: thresholdsPer(
      i,
      c.shallowHealth === 'fail' ? { ...c.thresholds, ...SHALLOW_HEALTH_THRESHOLD } : c.thresholds,
      'target_region',
      targets,
    ),
  };
}

/** No health answer may be shallow (200 with no dependency check). */
const SHALLOW_HEALTH_THRESHOLD: PlanThresholds = { health_shallow: ['rate==0'] };

/** Pure: what is wrong with configured read-your-writes pairs (regions that are not configured, a region with itself). */
function pairProblems(pairs: readonly RegionPair[], regions: readonly { name: string }[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  pairs.forEach((p, i) => {
    for (const end of ['from', 'to'] as const) {
      if (!regions.some((r) => r.name === p[end])) {
        problems.push({ path: `synthetics.readYourWrites.pairs[${i}].${end}`, message: `"${p[end]}" is not a configured region` });
      }
    }
    if (p.from === p.to) problems.push({ path: `synthetics.readYourWrites.pairs[${i}]`, message: 'expected two different regions' });
  });
  return problems;
}

/** The configured pairs, unless regions are named for this run: then every ordered pair among those. */
function readYourWritesPairs(i: PlanInputs): RegionPair[] {
  const configured = i.synthetics.readYourWrites.pairs;
  const among = pick(i.base.regions, i.overrides.regions, '--region', i.problems).map((r) => r.name);
  if (configured && !i.overrides.regions) {
    i.problems.push(...pairProblems(configured, i.base.regions));
    return configured;
  }
  return among.flatMap((from) => among.filter((to) => to !== from).map((to) => ({ from, to })));
}

function readYourWritesPlan(i: PlanInputs): ReadYourWritesPlan {
  const c = i.synthetics.readYourWrites;
  const pairs = readYourWritesPairs(i);
  if (pairs.length === 0) i.problems.push({ path: 'regions', message: 'read-your-writes needs at least two regions' });
  const perSecond = i.overrides.ratePerSecond ?? c.writesPerSecond;
  const deadlineS = c.deadline / 1000;
  const timeoutS = i.synthetics.http.timeout / 1000;
  const conv = c.convergence;
  return {
    ...i.base,
    scenario: 'read-your-writes',
    // Regions are addressed directly; new connections for every poll would only add load and lag.
    http: { ...i.base.http, noConnectionReuse: false },
    durationMs: i.overrides.durationMs ?? c.duration,
    vantages: [],
    itemsPath: c.itemsPath,
    pairs,
    // A write occupies its VU until it is seen (about the replication lag) or its deadline passes.
    rate: {
      perSecond,
      preAllocatedVUs: Math.max(1, Math.ceil(perSecond * Math.min(deadlineS, 2))),
      maxVUs: i.overrides.maxVUs ?? Math.ceil(perSecond * (deadlineS + timeoutS)) + 2,
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
    thresholds: expandThresholds(i.overrides.thresholds ?? c.thresholds, 'from', [...new Set(pairs.map((p) => p.from))], false),
  };
}

function sessionContinuityPlan(i: PlanInputs): SessionContinuityPlan {
  const c = i.synthetics.sessionContinuity;
  const vantages = pickVantages(i, c.vantages, 'sessionContinuity');
  return {
    ...i.base,
    scenario: 'session-continuity',
    durationMs: i.overrides.durationMs ?? c.duration,
    vantages,
    sessionsPath: c.sessionsPath,
    sessionsPerVantage: c.sessionsPerVantage,
    checkIntervalMs: c.checkInterval,
    thresholds: thresholdsPer(i, c.thresholds, 'vantage', vantages),
  };
}

const BUILDERS: { [S in ScenarioName]: (inputs: PlanInputs) => Extract<RunPlan, { scenario: S }> } = {
  'global-traffic': globalTrafficPlan,
  'regional-probe': regionalProbePlan,
  'read-your-writes': readYourWritesPlan,
  'session-continuity': sessionContinuityPlan,
};

/**
 * The run plan for one scenario. Throws a ConfigError naming each unknown vantage or region, before anything runs.
 */
export function buildPlan(config: CrosswindConfig, overrides: PlanOverrides): RunPlan {
  const problems: ConfigProblem[] = [];
  const vantages: PlanVantage[] = config.vantages.map((v) => ({
    name: v.name,
    endpoint: v.endpoint,
    ...(v.netns ? { netns: v.netns } : {}),
  }));
  const base = commonPlan(config, overrides);
  const plan: RunPlan = BUILDERS[overrides.scenario]({ synthetics: config.synthetics, vantages, overrides, base, problems });
  const drivesVantages = plan.scenario === 'global-traffic' || plan.scenario === 'session-continuity';
  if (problems.length === 0 && drivesVantages && plan.vantages.length === 0) {
    problems.push({ path: 'vantages', message: 'expected at least one vantage' });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return plan;
}
