import type { RolloutConfig } from '../config/rollout-schema.ts';
import type { MachinePlan } from './rollout-machine.ts';
import { orderWaves, type Wave } from './waves.ts';

/** Everything a rollout will do, decided before anything is done: what `--dry-run` prints and what the run follows. */
export interface RolloutPlan extends MachinePlan {
  version: string;
  rollout: RolloutConfig;
}

export function buildRolloutPlan(regions: readonly string[], rollout: RolloutConfig, version: string, fromWave = 1): RolloutPlan {
  return { version, rollout, waves: orderWaves(regions, rollout), weightSteps: rollout.weightSteps, fromWave };
}

function secs(s: number): string {
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Pure: the regions the comparison gate uses as baseline for a wave: those not yet deployed. */
export function baselineRegions(plan: Pick<MachinePlan, 'waves'>, wave: Wave): string[] {
  return plan.waves.filter((w) => w.index > wave.index).map((w) => w.region);
}

/** Pure: the plan as text, one line per wave, then the gates and hooks. */
export function renderRolloutPlan(plan: RolloutPlan): string[] {
  const r = plan.rollout;
  const lines = [`Rollout plan: version ${plan.version} to ${plan.waves.length} region(s), order: ${r.order}`];
  for (const wave of plan.waves) {
    if (wave.index < plan.fromWave) {
      lines.push(`  wave ${wave.index}  ${wave.region.padEnd(16)} skipped (--from-wave ${plan.fromWave}: already deployed)`);
      continue;
    }
    const steps = [r.hooks.deploy ? 'deploy hook' : 'deploy (no hook)'];
    for (const p of plan.weightSteps) steps.push(`weight ${p}% (${secs(r.weightStepSeconds)})`);
    steps.push(`traffic ${secs(r.trafficSeconds)} + gates`);
    steps.push(`bake ${secs(r.bakeSeconds)} (gates every ${secs(r.bakeIntervalSeconds)})`);
    steps.push('approve | rollback + halt');
    const traffic = wave.traffic === undefined ? '' : ` (traffic ${wave.traffic})`;
    lines.push(`  wave ${wave.index}  ${wave.region.padEnd(16)} ${steps.join(' -> ')}${traffic}`);
  }
  const gates = [
    `at least ${r.minSamples} requests`,
    `error rate <= ${(r.maxErrorRate * 100).toFixed(2)}%`,
    `p(${r.latencyPercentile}) <= ${r.maxLatencyMs} ms`,
  ];
  if (r.comparison.enabled)
    gates.push(
      `median latency vs regions not yet deployed <= ${r.comparison.maxMedianRatio}x (Mann-Whitney U, alpha ${r.comparison.alpha})`,
    );
  lines.push(`Gates: ${gates.join('; ')}`);
  lines.push(`Deploy hook:   ${r.hooks.deploy ?? '(none)'}`);
  lines.push(`Rollback hook: ${r.hooks.rollback ?? '(none)'}`);
  return lines;
}
