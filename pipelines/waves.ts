import type { RolloutConfig } from '../config/rollout-schema.ts';

/** One region's turn in a rollout. `index` counts from 1, as `--from-wave` does. */
export interface Wave {
  index: number;
  region: string;
  /** The region's share of traffic as configured, when the order came from it. */
  traffic?: number;
}

/**
 * Pure: the rollout's waves. `config` keeps the configured order; `lowest-traffic-first` sorts by the configured
 * traffic (ties keep the configured order, so the plan is stable), so a bad version meets the fewest users first.
 * Regions without a traffic figure go last: crosswind will not guess they are small.
 */
export function orderWaves(regions: readonly string[], rollout: Pick<RolloutConfig, 'order' | 'traffic'>): Wave[] {
  const traffic = rollout.traffic ?? {};
  const listed = regions.map((region, i) => ({ region, i, traffic: traffic[region] }));
  if (rollout.order === 'lowest-traffic-first') {
    listed.sort((a, b) => {
      const ta = a.traffic ?? Number.POSITIVE_INFINITY;
      const tb = b.traffic ?? Number.POSITIVE_INFINITY;
      return ta === tb ? a.i - b.i : ta - tb;
    });
  }
  return listed.map((r, i) =>
    r.traffic === undefined ? { index: i + 1, region: r.region } : { index: i + 1, region: r.region, traffic: r.traffic },
  );
}

/**
 * Problems with what the rollout reads per region (its ordering inputs, the server-side comparison's dimensions), as
 * `{path, message}` for a ConfigError; empty when usable.
 */
export function waveProblems(
  regions: readonly string[],
  rollout: Pick<RolloutConfig, 'order' | 'traffic' | 'trafficMetric'> & Partial<Pick<RolloutConfig, 'comparison'>>,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const serverSide = rollout.comparison?.serverSide;
  const unmapped = serverSide ? regions.filter((r) => serverSide.dimensions[r] === undefined) : [];
  if (unmapped.length > 0)
    problems.push({
      path: 'rollout.comparison.serverSide.dimensions',
      message: `expected the metric's dimensions for every region; missing: ${unmapped.join(', ')}`,
    });
  for (const name of Object.keys(rollout.traffic ?? {})) {
    if (!regions.includes(name)) problems.push({ path: `rollout.traffic.${name}`, message: `"${name}" is not a configured region` });
  }
  const measured = rollout.trafficMetric;
  for (const name of Object.keys(measured?.dimensions ?? {})) {
    if (!regions.includes(name))
      problems.push({ path: `rollout.trafficMetric.dimensions.${name}`, message: `"${name}" is not a configured region` });
  }
  if (measured && rollout.traffic) {
    problems.push({ path: 'rollout.trafficMetric', message: 'expected traffic or trafficMetric, not both' });
  } else if (measured && rollout.order === 'lowest-traffic-first') {
    const missing = regions.filter((r) => measured.dimensions[r] === undefined);
    if (missing.length > 0) {
      problems.push({
        path: 'rollout.trafficMetric.dimensions',
        message: `expected the metric's dimensions for every region; missing: ${missing.join(', ')}`,
      });
    }
  } else if (rollout.order === 'lowest-traffic-first') {
    const missing = regions.filter((r) => rollout.traffic?.[r] === undefined);
    if (missing.length > 0) {
      problems.push({
        path: 'rollout.traffic',
        message: `order "lowest-traffic-first" needs a traffic figure (or a trafficMetric) for every region; missing: ${missing.join(', ')}`,
      });
    }
  }
  return problems;
}
