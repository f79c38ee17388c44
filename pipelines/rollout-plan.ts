import type { RolloutConfig } from '../config/rollout-schema.ts';
import { secs } from './gameday-plan.ts';
import type { MachinePlan } from './rollout-machine.ts';
import { orderWaves } from './waves.ts';

/** Everything a rollout will do, decided before anything is done: what `--dry-run` prints and what the run follows. */
export interface RolloutPlan extends MachinePlan {
  version: string;
  rollout: RolloutConfig;
}

export function buildRolloutPlan(
  regions: readonly string[],
  rollout: RolloutConfig,
  version: string,
  fromWave = 1,
  toWave?: number,
): RolloutPlan {
  const waves = orderWaves(regions, rollout);
  return { version, rollout, waves, weightSteps: rollout.weightSteps, fromWave, toWave: toWave ?? waves.length };
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
    if (wave.index > (plan.toWave ?? plan.waves.length)) {
      lines.push(`  wave ${wave.index}  ${wave.region.padEnd(16)} not in this run (--to-wave ${plan.toWave})`);
      continue;
    }
    const steps = [`steady state ${secs(r.baselineDuration ?? r.trafficDuration)}`];
    if (plan.weightSteps[0] !== undefined) steps.push(`weight ${plan.weightSteps[0]}% of its own`);
    steps.push(r.hooks.deploy ? 'deploy hook' : 'deploy (no hook)');
    for (const p of plan.weightSteps) steps.push(`weight ${p}% (${secs(r.weightStepDuration)})`);
    steps.push(`traffic ${secs(r.trafficDuration)} + gates`);
    steps.push(`bake ${secs(r.bakeDuration)} (gates every ${secs(r.bakeInterval)})`);
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
      `against its own baseline: latency shift (Hodges-Lehmann) within ${r.comparison.maxMedianRatio}x of its median, spread <= ${r.comparison.maxSpreadRatio}x, errors not significantly more (alpha ${r.comparison.alpha})`,
    );
  lines.push(`Gates: ${gates.join('; ')}`);
  lines.push(`Deploy hook:   ${r.hooks.deploy ?? '(none)'}`);
  lines.push(`Rollback hook: ${r.hooks.rollback ?? '(none)'}`);
  return lines;
}
