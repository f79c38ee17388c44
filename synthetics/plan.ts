// The run plan: the one document the Node launcher writes and the k6 scenarios read. It is the whole contract
// between the two sides, so this file imports nothing (neither k6 nor Node) and both tsconfigs include it.
// Times are milliseconds, rates are per second: the launcher resolves every default before k6 starts.

/** The scenarios in `synthetics/scenarios/`, one a file. */
export type ScenarioName = 'global-traffic' | 'regional-probe' | 'read-your-writes' | 'session-continuity';

export const SCENARIO_NAMES: readonly ScenarioName[] = ['global-traffic', 'regional-probe', 'read-your-writes', 'session-continuity'];

/** How to read the region that served a response: a header (case-insensitive), or a dotted JSON body path. */
export type ServedByRule = { header: string } | { jsonField: string };

export interface PlanRegion {
  name: string;
  /** The region's own endpoint, bypassing global routing. */
  endpoint: string;
  servedBy: ServedByRule;
}

export interface PlanVantage {
  name: string;
  /** What clients at this vantage reach: the global name as seen from there. */
  endpoint: string;
  /** The Linux network namespace clients at this vantage run in; the launcher runs this vantage's k6 there. */
  netns?: string;
}

/**
 * k6's resolver: how long a resolved name is cached (`0`: resolve on every new connection; `inf`; a duration; or
 * `record`, which the launcher replaces by the TTL the global name is answered with before k6 starts), which address
 * is picked, and which IP version.
 * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#dns
 */
export interface PlanDns {
  ttl: string;
  select: 'first' | 'random' | 'roundRobin';
  policy: 'preferIPv4' | 'preferIPv6' | 'onlyIPv4' | 'onlyIPv6' | 'any';
  /** The record TTL `record` was resolved from, in seconds (set by the launcher). */
  recordTtlSeconds?: number;
}

/** A k6 `constant-arrival-rate` load: iterations started per second, whatever the response times. */
export interface ArrivalRate {
  perSecond: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** k6 thresholds: metric (optionally with a `{tag:value}` selector) to threshold expressions. */
export type PlanThresholds = Record<string, string[]>;

export interface PlanHttp {
  /**
   * Open a new connection for every request. k6 resolves names only on new connections, so kept-alive
   * connections would hide a DNS-level failover from the client. The launcher turns it off for scenarios that
   * address regions directly.
   */
  noConnectionReuse: boolean;
  /** Per-request timeout. */
  timeoutMs: number;
}

/**
 * Grafana Cloud k6 options (`options.cloud`): the project and how the VUs are spread across load zones. Only read
 * when the scenario runs in Grafana Cloud k6; a local or k6-operator run ignores it.
 * @see https://grafana.com/docs/grafana-cloud/testing/k6/author-run/use-load-zones/
 */
export interface PlanCloud {
  projectID?: number;
  distribution?: Record<string, { loadZone: string; percent: number }>;
}

interface PlanBase {
  /** Plan format version; a scenario refuses a plan it does not know. */
  version: 1;
  project: string;
  /** Unique per run; prefixes the items and sessions a run creates so runs never collide. */
  runId: string;
  durationMs: number;
  /** Every configured region (read to name the serving region, and addressed directly by some scenarios). */
  regions: PlanRegion[];
  /** The vantages this run drives traffic from. */
  vantages: PlanVantage[];
  /** Rules tried in order to read the serving region from a response that came through a vantage. */
  servedBy: ServedByRule[];
  http: PlanHttp;
  dns: PlanDns;
  /**
   * The client profile this run plays (a game day runs the same traffic as several side by side): every sample is
   * tagged `profile`, and the User-Agent names it, so the region apps' request logs tell the profiles apart.
   */
  profile?: string;
  /** Tags on every sample of the run (a rollout marks its pre-deploy baseline apart from the deployed version). */
  tags?: Record<string, string>;
  /** Thresholds as k6 takes them, already expanded per vantage or region by the launcher. */
  thresholds: PlanThresholds;
  /** Statistics k6 computes for Trend metrics in its end-of-test summary. */
  summaryTrendStats: string[];
  /** Grafana Cloud k6 options, written into the scenario options when present. */
  cloud?: PlanCloud;
}

/** `global-traffic.ts`: one arrival-rate scenario per vantage against that vantage's endpoint. */
export interface GlobalTrafficPlan extends PlanBase {
  scenario: 'global-traffic';
  /** Path requested on each vantage's endpoint, e.g. `/`. */
  path: string;
  /** Load per vantage. */
  rate: ArrivalRate;
}

/** `regional-probe.ts`: each region's endpoint directly, with its deep health. */
export interface RegionalProbePlan extends PlanBase {
  scenario: 'regional-probe';
  /** The deep health path, e.g. `/health`. */
  healthPath: string;
  /** Further paths requested on each region per iteration (functional probes). */
  paths: string[];
  /** Names of the regions probed (a subset of `regions`). */
  targets: string[];
  /** Load per region. */
  rate: ArrivalRate;
}

export interface RegionPair {
  from: string;
  to: string;
}

/** `read-your-writes.ts`: write in one region, read in another; concurrent writes must converge. */
export interface ReadYourWritesPlan extends PlanBase {
  scenario: 'read-your-writes';
  /** Items collection path; an item is `<itemsPath>/<id>`. */
  itemsPath: string;
  /** Ordered (writer, reader) region pairs. */
  pairs: RegionPair[];
  /** Writes per pair. */
  rate: ArrivalRate;
  /** A write not visible in the reader region within this is counted as lost. */
  deadlineMs: number;
  pollIntervalMs: number;
  /** Concurrent-write convergence checks; perSecond 0 turns them off. */
  convergence: { rate: ArrivalRate; deadlineMs: number };
}

/** `session-continuity.ts`: sessions created through the global endpoint stay valid as the serving region changes. */
export interface SessionContinuityPlan extends PlanBase {
  scenario: 'session-continuity';
  /** Sessions collection path; a session is `<sessionsPath>/<id>`. */
  sessionsPath: string;
  /** Sessions held open per vantage (one per VU). */
  sessionsPerVantage: number;
  /** Time between two checks of one session. */
  checkIntervalMs: number;
}

export type RunPlan = GlobalTrafficPlan | RegionalProbePlan | ReadYourWritesPlan | SessionContinuityPlan;

/** The environment variable that carries the plan file's absolute path into k6. */
export const PLAN_ENV = 'CROSSWIND_PLAN';
