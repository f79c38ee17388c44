// Reading a deep health answer. The practice: JSON with an overall `status` and per-dependency `checks` (database,
// cache, downstream API), each with a status and a latency, and 503 when a critical one fails. Both a map of checks
// and a list of named checks are understood. A 200 without any dependency check is shallow: it says the process
// answers, not that the region can serve.

/** Status words that mean healthy, compared case-insensitively. */
const HEALTHY = ['ok', 'up', 'pass', 'passed', 'healthy', 'green', 'available'];

export interface DependencyCheck {
  name: string;
  ok: boolean;
  latencyMs?: number;
}

export interface HealthReport {
  /** The overall status word, if the body had one. */
  status?: string;
  version?: string;
  region?: string;
  checks: DependencyCheck[];
}

/** Overall status words of a region that still serves with a non-critical dependency down. */
const DEGRADED = ['degraded', 'warn', 'warning'];

/** True when an overall status says the region serves: healthy, or degraded by a non-critical dependency. */
export function isServingStatus(value: unknown): boolean {
  return isHealthyStatus(value) || (typeof value === 'string' && DEGRADED.includes(value.toLowerCase()));
}

export function isHealthyStatus(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' && HEALTHY.includes(value.toLowerCase());
}

function latencyOf(check: Record<string, unknown>): number | undefined {
  for (const key of ['latency_ms', 'latencyMs', 'latency', 'duration_ms']) {
    const v = check[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function readCheck(name: string, raw: unknown): DependencyCheck {
  if (typeof raw === 'string' || typeof raw === 'boolean') return { name, ok: isHealthyStatus(raw) };
  const check = (raw ?? {}) as Record<string, unknown>;
  const ok = isHealthyStatus(check.status ?? check.healthy ?? check.ok);
  const latencyMs = latencyOf(check);
  return latencyMs === undefined ? { name, ok } : { name, ok, latencyMs };
}

/** The health report in a parsed JSON body (anything else reads as no status and no checks). */
export function readHealth(body: unknown): HealthReport {
  if (body === null || typeof body !== 'object') return { checks: [] };
  const b = body as Record<string, unknown>;
  const raw = b.checks ?? b.dependencies ?? b.components;
  let checks: DependencyCheck[] = [];
  if (Array.isArray(raw)) {
    checks = raw.map((c, i) => {
      const named = (c ?? {}) as Record<string, unknown>;
      return readCheck(typeof named.name === 'string' ? named.name : `check-${i}`, c);
    });
  } else if (raw !== null && typeof raw === 'object') {
    checks = Object.entries(raw as Record<string, unknown>).map(([name, c]) => readCheck(name, c));
  }
  const report: HealthReport = { checks };
  if (typeof b.status === 'string') report.status = b.status;
  if (typeof b.version === 'string') report.version = b.version;
  if (typeof b.region === 'string') report.region = b.region;
  return report;
}
