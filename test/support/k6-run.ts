import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../config/resolve.ts';
import type { CrosswindConfigInput } from '../../config/schema.ts';
import type { K6Point } from '../../core/k6-output.ts';
import { buildPlan, type K6RunResult, type PlanOverrides, startK6Run } from '../../synthetics/k6.ts';

/** A config for a set of loopback regions and vantages, with a `synthetics` section. */
export function loopbackConfig(
  regions: { name: string; endpoint: string }[],
  vantages: { name: string; endpoint: string }[],
  synthetics: CrosswindConfigInput['synthetics'] = {},
) {
  return resolveConfig({
    project: 'shop',
    aws: { accountIds: ['123456789012'] },
    regions: regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
    vantages,
    synthetics,
  });
}

/** Runs a scenario with the real k6 and collects its points live; `onPoint` may act during the run. */
export async function runScenario(
  config: ReturnType<typeof resolveConfig>,
  overrides: PlanOverrides,
  onPoint?: (p: K6Point) => void,
): Promise<{ points: K6Point[]; result: K6RunResult }> {
  const plan = buildPlan(config, overrides);
  const run = await startK6Run({ plan, runDir: await mkdtemp(join(tmpdir(), `crosswind-${overrides.scenario}-`)), signals: null });
  const points: K6Point[] = [];
  for await (const p of run.points) {
    points.push(p);
    onPoint?.(p);
  }
  return { points, result: await run.done };
}

/** Points of one metric whose tags include `where`. */
export function select(points: K6Point[], metric: string, where: Record<string, string> = {}): K6Point[] {
  return points.filter((p) => p.metric === metric && Object.entries(where).every(([k, v]) => p.tags[k] === v));
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
}
