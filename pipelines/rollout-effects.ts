import type { RolloutConfig } from '../config/rollout-schema.ts';
import type { HookResult } from './hooks.ts';
import type { RolloutEffects, StepOutcome } from './rollout-machine.ts';
import { baselineRegions, type RolloutPlan } from './rollout-plan.ts';
import type { Wave } from './waves.ts';

/** One gate's line in the wave log: what was measured, against what, and how it came out. */
export interface JudgedGate {
  status: 'pass' | 'fail' | 'inconclusive';
  /** Human-readable, e.g. `p(99) request_duration us-east-1 412.3 ms <= 1000 ms: pass`. */
  line: string;
}

/** What a wave's traffic and gates came to. */
export interface Judgement {
  gates: JudgedGate[];
}

/**
 * The rollout's world, injected: each member is one composed piece (hooks, the region's version endpoint, the
 * synthetics launcher with the validations gates, the chaos weight shifts). Tests pass their own.
 */
export interface RolloutWorld {
  runHook(command: string, env: { REGION: string; VERSION: string; PREVIOUS_VERSION: string }): Promise<HookResult>;
  /** The version a region runs now; undefined when the config has no version endpoint. */
  readVersion(region: string): Promise<string | undefined>;
  /** Shift the region's DNS weight to `percent` of its share (through the fault ledger). */
  shiftWeight(region: string, percent: number): Promise<void>;
  /** Put back every weight the rollout changed for the region. */
  restoreWeights(region: string): Promise<void>;
  /**
   * Drive synthetic traffic at `region` (and at `baselines`, for the comparison) for `seconds`, evaluating the gates
   * every `everySeconds` (if given) and at the end; resolves early on the first failing evaluation.
   */
  judge(phase: string, region: string, baselines: string[], seconds: number, everySeconds?: number): Promise<Judgement>;
  log(line: string): void;
}

/** Pure: a judgement as a step outcome. Any failing gate fails; otherwise any inconclusive gate is inconclusive. */
export function outcomeOf(judgement: Judgement, phase: string): StepOutcome {
  const failed = judgement.gates.filter((g) => g.status === 'fail');
  if (failed.length > 0) return { kind: 'fail', reasons: failed.map((g) => `${phase}: ${g.line}`) };
  const unsure = judgement.gates.filter((g) => g.status === 'inconclusive');
  if (unsure.length > 0 || judgement.gates.length === 0) {
    return {
      kind: 'inconclusive',
      reasons: unsure.length > 0 ? unsure.map((g) => `${phase}: ${g.line}`) : [`${phase}: no gate was evaluated`],
    };
  }
  return { kind: 'ok' };
}

/** The versions each wave moved between, for the report and the rollback hook. */
export interface WaveVersions {
  previous: Map<string, string>;
}

/** Composes the rollout's effects from its world: the state machine calls these, in order. */
export function rolloutEffects(
  plan: RolloutPlan,
  world: RolloutWorld,
  options: { previousVersion?: string } = {},
): RolloutEffects & WaveVersions {
  const r: RolloutConfig = plan.rollout;
  const previous = new Map<string, string>();
  const shifted = new Set<string>();
  const envFor = (wave: Wave, version: string) => ({
    REGION: wave.region,
    VERSION: version,
    PREVIOUS_VERSION: previous.get(wave.region) ?? '',
  });
  const hookOutcome = (what: string, result: HookResult): StepOutcome =>
    result.kind === 'ok'
      ? { kind: 'ok' }
      : { kind: 'fail', reasons: [`${what}: ${result.reason}${result.output.length ? ` (${result.output.slice(-3).join(' | ')})` : ''}`] };

  return {
    previous,
    async deploy(wave) {
      const before = options.previousVersion ?? (await world.readVersion(wave.region));
      if (before !== undefined) previous.set(wave.region, before);
      world.log(`wave ${wave.index} ${wave.region}: deploying ${plan.version}${before ? ` (running ${before})` : ''}`);
      const result = await world.runHook(r.hooks.deploy as string, envFor(wave, plan.version));
      const hook = hookOutcome('deploy hook', result);
      if (hook.kind !== 'ok') return hook;
      const now = await world.readVersion(wave.region);
      if (now !== undefined && now !== plan.version) {
        return { kind: 'fail', reasons: [`deploy hook succeeded but ${wave.region} reports version ${now}, not ${plan.version}`] };
      }
      return { kind: 'ok' };
    },
    async weight(wave, percent) {
      world.log(`wave ${wave.index} ${wave.region}: DNS weight ${percent}%`);
      await world.shiftWeight(wave.region, percent);
      shifted.add(wave.region);
      const judgement = await world.judge(`weight ${percent}%`, wave.region, baselineRegions(plan, wave), r.weightStepSeconds);
      return report(world, wave, `weight ${percent}%`, judgement);
    },
    async traffic(wave) {
      world.log(`wave ${wave.index} ${wave.region}: traffic for ${r.trafficSeconds} s`);
      const judgement = await world.judge('traffic', wave.region, baselineRegions(plan, wave), r.trafficSeconds);
      return report(world, wave, 'traffic', judgement);
    },
    async bake(wave) {
      world.log(`wave ${wave.index} ${wave.region}: baking for ${r.bakeSeconds} s, gates every ${r.bakeIntervalSeconds} s`);
      const judgement = await world.judge('bake', wave.region, baselineRegions(plan, wave), r.bakeSeconds, r.bakeIntervalSeconds);
      return report(world, wave, 'bake', judgement);
    },
    async approve(wave) {
      if (shifted.delete(wave.region)) await world.restoreWeights(wave.region);
      world.log(`wave ${wave.index} ${wave.region}: approved ${plan.version}`);
    },
    async rollback(wave, outcome) {
      world.log(`wave ${wave.index} ${wave.region}: rolling back (${outcome.reasons.join('; ')})`);
      const to = previous.get(wave.region) ?? '';
      // The same environment as the deploy: the hook puts PREVIOUS_VERSION back.
      const result = await world.runHook(r.hooks.rollback as string, envFor(wave, plan.version));
      if (shifted.delete(wave.region)) await world.restoreWeights(wave.region);
      if (result.kind !== 'ok') throw new Error(`rollback hook: ${result.reason}`);
      const now = await world.readVersion(wave.region);
      if (now !== undefined && to !== '' && now !== to)
        throw new Error(`rollback hook succeeded but ${wave.region} reports ${now}, not ${to}`);
      world.log(`wave ${wave.index} ${wave.region}: rolled back to ${to || 'the previous version'}; rollout halted`);
    },
  };
}

function report(world: RolloutWorld, wave: Wave, phase: string, judgement: Judgement): StepOutcome {
  for (const g of judgement.gates) world.log(`wave ${wave.index} ${wave.region}: ${phase}: ${g.line}`);
  return outcomeOf(judgement, phase);
}
