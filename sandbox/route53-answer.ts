// Route 53's routing decisions as pure functions: how a health check's status follows its probes and its
// Inverted/Disabled settings, and which record a resolver gets for a name under latency, weighted and failover
// policies. The edge feeds them what it measured and what moto stores; the tests feed them tables.

/** A health check's settings as stored in moto (read back every cycle, so an SDK UpdateHealthCheck takes effect). */
export interface HealthCheckSettings {
  inverted: boolean;
  disabled: boolean;
  failureThreshold: number;
}

/** The measured side of one health check: Route 53 flips it only after `failureThreshold` consecutive contrary probes. */
export interface HealthCounter {
  measuredHealthy: boolean;
  /** Consecutive probe results that disagree with `measuredHealthy`. */
  contrary: number;
}

export const INITIAL_COUNTER: HealthCounter = { measuredHealthy: true, contrary: 0 };

/**
 * Advances the measured status by one probe. Route 53 marks an endpoint unhealthy after FailureThreshold consecutive
 * failures and healthy again after as many consecutive successes.
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 */
export function nextCounter(counter: HealthCounter, probeOk: boolean, failureThreshold: number): HealthCounter {
  if (probeOk === counter.measuredHealthy) return { measuredHealthy: counter.measuredHealthy, contrary: 0 };
  const contrary = counter.contrary + 1;
  if (contrary >= Math.max(1, failureThreshold)) return { measuredHealthy: probeOk, contrary: 0 };
  return { measuredHealthy: counter.measuredHealthy, contrary };
}

/**
 * The status Route 53 reports and routes by. `Disabled` stops checking and counts as healthy; `Inverted` flips the
 * result, so Disabled + Inverted reads unhealthy whatever the endpoint does.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html
 */
export function reportedHealthy(measuredHealthy: boolean, settings: Pick<HealthCheckSettings, 'inverted' | 'disabled'>): boolean {
  const base = settings.disabled ? true : measuredHealthy;
  return settings.inverted ? !base : base;
}

/** One record of a record set, as read from ListResourceRecordSets. */
export interface RecordView {
  name: string;
  type: string;
  /** First resource record value (CNAME target). */
  value: string;
  /** Every resource record value (an A record set may carry several addresses). */
  values: string[];
  /** Seconds a resolver may cache the record; aliases answer with their target's. */
  ttl: number;
  setIdentifier?: string;
  /** Latency policy: the record's AWS region. */
  region?: string;
  /** Weighted policy: 0-255. */
  weight?: number;
  /** Failover policy. */
  failover?: 'PRIMARY' | 'SECONDARY';
  healthCheckId?: string;
}

export interface AnswerContext {
  /** Reported status of a health check; unknown ids count as healthy. */
  healthy(healthCheckId: string): boolean;
  /** Latency from the asking vantage to a region; undefined when unknown. */
  latencyMs(region: string): number | undefined;
  /** Uniform in [0, 1); injected so weighted answers are reproducible in tests. */
  random(): number;
}

export type AnswerPolicy = 'simple' | 'latency' | 'weighted' | 'failover';

/** One hop of an answer: the name asked, the policy that chose, and the record chosen. */
export interface AnswerHop {
  name: string;
  policy: AnswerPolicy;
  record: RecordView;
  /** True when every candidate was unhealthy and Route 53 answered as if all were healthy. */
  allUnhealthy: boolean;
}

/** Route 53 names end with a dot and compare case-insensitively. */
export function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function policyOf(record: RecordView): AnswerPolicy {
  if (record.failover) return 'failover';
  if (record.region) return 'latency';
  if (record.weight !== undefined) return 'weighted';
  return 'simple';
}

function recordHealthy(record: RecordView, ctx: AnswerContext): boolean {
  return record.healthCheckId === undefined || ctx.healthy(record.healthCheckId);
}

/** Healthy candidates, or all of them when none is healthy (Route 53 answers as if all were healthy). */
function healthyOrAll(records: RecordView[], ctx: AnswerContext): { candidates: RecordView[]; allUnhealthy: boolean } {
  const healthy = records.filter((r) => recordHealthy(r, ctx));
  return healthy.length > 0 ? { candidates: healthy, allUnhealthy: false } : { candidates: records, allUnhealthy: records.length > 0 };
}

/**
 * Chooses one record among the records of one name.
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-complex-configs.html
 */
export function chooseRecord(
  records: RecordView[],
  ctx: AnswerContext,
): { record: RecordView; policy: AnswerPolicy; allUnhealthy: boolean } | undefined {
  const first = records[0];
  if (!first) return undefined;
  const policy = policyOf(first);
  if (policy === 'simple') return { record: first, policy, allUnhealthy: false };
  if (policy === 'latency') {
    const { candidates, allUnhealthy } = healthyOrAll(records, ctx);
    let best = candidates[0] as RecordView;
    for (const r of candidates) {
      const l = ctx.latencyMs(r.region ?? '') ?? Number.POSITIVE_INFINITY;
      const b = ctx.latencyMs(best.region ?? '') ?? Number.POSITIVE_INFINITY;
      if (l < b) best = r;
    }
    return { record: best, policy, allUnhealthy };
  }
  if (policy === 'failover') {
    const primary = records.find((r) => r.failover === 'PRIMARY');
    const secondary = records.find((r) => r.failover === 'SECONDARY');
    if (primary && recordHealthy(primary, ctx)) return { record: primary, policy, allUnhealthy: false };
    if (secondary && recordHealthy(secondary, ctx)) return { record: secondary, policy, allUnhealthy: false };
    const fallback = primary ?? secondary ?? first;
    return { record: fallback, policy, allUnhealthy: true };
  }
  // Weighted: records with weight 0 get traffic only when every non-zero record is unhealthy; all-zero shares evenly.
  const { candidates, allUnhealthy } = healthyOrAll(records, ctx);
  const nonZero = candidates.filter((r) => (r.weight ?? 0) > 0);
  const pool = nonZero.length > 0 ? nonZero : candidates;
  const total = pool.reduce((s, r) => s + (nonZero.length > 0 ? (r.weight ?? 0) : 1), 0);
  let pick = ctx.random() * total;
  for (const r of pool) {
    pick -= nonZero.length > 0 ? (r.weight ?? 0) : 1;
    if (pick < 0) return { record: r, policy, allUnhealthy };
  }
  return { record: pool[pool.length - 1] as RecordView, policy, allUnhealthy };
}

/**
 * Resolves a name the way Route 53 answers it, following CNAMEs that stay inside the zone (an authoritative server
 * includes the in-zone chain). Returns the hops; the last hop's value is the final target. Empty when the name has no
 * records (NXDOMAIN).
 */
export function resolveName(records: RecordView[], name: string, ctx: AnswerContext, maxHops = 8): AnswerHop[] {
  const hops: AnswerHop[] = [];
  let current = normalizeName(name);
  for (let i = 0; i < maxHops; i++) {
    const set = records.filter((r) => normalizeName(r.name) === current);
    const chosen = chooseRecord(set, ctx);
    if (!chosen) break;
    hops.push({ name: current, policy: chosen.policy, record: chosen.record, allUnhealthy: chosen.allUnhealthy });
    if (chosen.record.type !== 'CNAME') break;
    current = normalizeName(chosen.record.value);
  }
  return hops;
}
