import type { EffectiveFaults } from './faults.ts';

// The deep health check: each dependency with its latency; a critical one down makes the app answer 503.

const DEPENDENCIES: { name: string; critical: boolean; baseMs: number }[] = [
  { name: 'database', critical: true, baseMs: 3 },
  { name: 'cache', critical: false, baseMs: 1 },
  { name: 'downstream', critical: true, baseMs: 4 },
];

/** The names `dependenciesDown` may carry. */
export const DEPENDENCY_NAMES = DEPENDENCIES.map((d) => d.name);

export interface DeepHealth {
  code: 200 | 503;
  body: {
    status: 'ok' | 'degraded' | 'down';
    region: string;
    version: string;
    checks: Record<string, { status: 'ok' | 'down'; latency_ms: number }>;
  };
}

/**
 * `/health` as the app answers it: `database` and `downstream` are critical (503, `down`), `cache` is not (200,
 * `degraded`). `random` jitters the reported dependency latencies.
 */
export function deepHealth(
  region: string,
  version: string,
  faults: Pick<EffectiveFaults, 'dependenciesDown'>,
  random = Math.random,
): DeepHealth {
  const checks: DeepHealth['body']['checks'] = {};
  let critical = false;
  let degraded = false;
  for (const dep of DEPENDENCIES) {
    const down = faults.dependenciesDown.includes(dep.name);
    checks[dep.name] = { status: down ? 'down' : 'ok', latency_ms: down ? 0 : dep.baseMs + Math.round(random() * 2) };
    if (down && dep.critical) critical = true;
    else if (down) degraded = true;
  }
  const status = critical ? 'down' : degraded ? 'degraded' : 'ok';
  return { code: critical ? 503 : 200, body: { status, region, version, checks } };
}
