import type { HookEnv, HookResult } from '../chaos/hooks.ts';
import type { RolloutConfig } from '../config/rollout-schema.ts';
import { secs } from './gameday-plan.ts';
import type { RolloutEffects, StepOutcome } from './rollout-machine.ts';
import type { RolloutPlan } from './rollout-plan.ts';
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
  /** Deploy `VERSION` to `REGION` with the deploy hook, through the fault ledger (its intent, with the rollback hook, first). */
  deploy(env: HookEnv): Promise<HookResult>;
  /** Put `PREVIOUS_VERSION` back in `REGION` with the rollback hook (the deploy's undo, through the ledger). */
  rollBack(env: HookEnv): Promise<HookResult>;
  /** The region's wave is approved: its deploy stays, and leaves the ledger's open faults. */
  keep(region: string): Promise<void>;
  /** The version a region runs now; undefined when the config has no version endpoint. */
  readVersion(region: string): Promise<string | undefined>;
  /** Set the region's DNS weight to `percent` % of its own, the others unchanged (through the fault ledger). */
  shiftWeight(region: string, percent: number): Promise<void>;
  /** Put back every weight the rollout changed for the region. */
  restoreWeights(region: string): Promise<void>;
  /**
   * Drive synthetic traffic at `region` for `durationMs` and judge the phase's gates, every `everyMs` (if given) and
   * at the end, resolving early on the first failing evaluation. The phase says which gates: `baseline` the steady
   * state before the deploy (kept as what the deployed version is compared with), `weight-<n>` the direct probe and
   * the global traffic the canary served per vantage, `traffic` and `bake` the direct probe and the comparison with
   * the region's own baseline.
   */
  judge(phase: WavePhase, region: string, durationMs: number, everyMs?: number): Promise<Judgement>;
  log(line: string): void;
  /** True once the run is stopping (a signal, a stop condition): no new deploy starts, the wave rolls back. */
  interrupted?(): boolean;
}

/** The phase of a wave a judgement belongs to; it tags every sample of its traffic (`rollout_phase`). */
export type WavePhase = 'baseline' | `weight-${number}` | 'traffic' | 'bake';

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
  options: { previousVersion?: string; strict?: boolean } = {},
): RolloutEffects & WaveVersions {
  const r: RolloutConfig = plan.rollout;
  const previous = new Map<string, string>();
  const deployed = new Set<string>();
  // The weight step each region is at (a percentage of its own weight), while the rollout holds one.
  const shifted = new Map<string, number>();
  const step = (wave: Wave, percent: number) => weightStep(world, shifted, wave, percent);
  const envFor = (wave: Wave, version: string) => ({
    REGION: wave.region,
    VERSION: version,
    PREVIOUS_VERSION: previous.get(wave.region) ?? '',
  });

  return {
    previous,
    baseline: (wave) => steadyState(world, wave, r, options.strict === true),
    async deploy(wave) {
      if (world.interrupted?.()) return { kind: 'inconclusive', reasons: ['interrupted before the deploy'] };
      const before = await previousVersion(world, wave.region, options.previousVersion);
      if (before.kind === 'unknown') return { kind: 'fail', reasons: [before.reason] };
      previous.set(wave.region, before.version);
      // The first exposure is the first step: the region's weight is lowered before the new version runs there.
      const first = plan.weightSteps[0];
      if (first !== undefined) await step(wave, first);
      world.log(`wave ${wave.index} ${wave.region}: deploying ${plan.version} (running ${before.version})`);
      deployed.add(wave.region);
      const result = await world.deploy(envFor(wave, plan.version));
      const hook = hookOutcome('deploy hook', result);
      if (hook.kind !== 'ok') return hook;
      const now = await world.readVersion(wave.region);
      if (now !== undefined && now !== plan.version) {
        return { kind: 'fail', reasons: [`deploy hook succeeded but ${wave.region} reports version ${now}, not ${plan.version}`] };
      }
      return { kind: 'ok' };
    },
    async weight(wave, percent) {
      await step(wave, percent);
      const judgement = await world.judge(`weight-${percent}`, wave.region, r.weightStepDuration);
      return report(world, wave, `weight ${percent}%`, judgement);
    },
    async traffic(wave) {
      world.log(`wave ${wave.index} ${wave.region}: traffic for ${secs(r.trafficDuration)}`);
      const judgement = await world.judge('traffic', wave.region, r.trafficDuration);
      return report(world, wave, 'traffic', judgement);
    },
    async bake(wave) {
      world.log(`wave ${wave.index} ${wave.region}: baking for ${secs(r.bakeDuration)}, gates every ${secs(r.bakeInterval)}`);
      const judgement = await world.judge('bake', wave.region, r.bakeDuration, r.bakeInterval);
      return report(world, wave, 'bake', judgement);
    },
    async approve(wave) {
      if (shifted.delete(wave.region)) await world.restoreWeights(wave.region);
      await world.keep(wave.region);
      world.log(`wave ${wave.index} ${wave.region}: approved ${plan.version}`);
    },
    async rollback(wave, outcome) {
      world.log(`wave ${wave.index} ${wave.region}: rolling back (${outcome.reasons.join('; ')})`);
      if (!deployed.has(wave.region)) {
        if (shifted.delete(wave.region)) await world.restoreWeights(wave.region);
        world.log(`wave ${wave.index} ${wave.region}: nothing was deployed, so nothing to roll back; rollout halted`);
        return;
      }
      const to = previous.get(wave.region) as string;
      // The same environment as the deploy: the hook puts PREVIOUS_VERSION back.
      const result = await world.rollBack(envFor(wave, plan.version));
      if (shifted.delete(wave.region)) await world.restoreWeights(wave.region);
      if (result.kind !== 'ok') throw new Error(`rollback hook: ${result.reason}`);
      const now = await world.readVersion(wave.region);
      if (now !== undefined && now !== to) throw new Error(`rollback hook succeeded but ${wave.region} reports ${now}, not ${to}`);
      world.log(`wave ${wave.index} ${wave.region}: rolled back to ${to}; rollout halted`);
    },
  };
}

/**
 * The version a region runs before its deploy: `--previous-version`, else the region's version endpoint. Unknown
 * (no endpoint, an error, an empty answer) refuses the deploy: a rollback to an unknown version is no rollback.
 */
async function previousVersion(
  world: RolloutWorld,
  region: string,
  given: string | undefined,
): Promise<{ kind: 'known'; version: string } | { kind: 'unknown'; reason: string }> {
  if (given) return { kind: 'known', version: given };
  const refuse = (why: string) => ({
    kind: 'unknown' as const,
    reason: `the version ${region} runs now is unknown (${why}); refusing to deploy what could not be rolled back, nothing was deployed`,
  });
  try {
    const version = await world.readVersion(region);
    return version ? { kind: 'known', version } : refuse('no --previous-version and no rollout.versionPath');
  } catch (err) {
    return refuse((err as Error).message);
  }
}

/** Sets the region's weight to a step, unless it is there already (the first step is taken before the deploy). */
async function weightStep(world: RolloutWorld, shifted: Map<string, number>, wave: Wave, percent: number): Promise<void> {
  if (shifted.get(wave.region) === percent) return;
  world.log(`wave ${wave.index} ${wave.region}: DNS weight ${percent}% of its own, the other regions' unchanged`);
  shifted.set(wave.region, percent);
  await world.shiftWeight(wave.region, percent);
}

/** Pure: a hook's result as a step outcome, with the last lines it printed. */
function hookOutcome(what: string, result: HookResult): StepOutcome {
  if (result.kind === 'ok') return { kind: 'ok' };
  return { kind: 'fail', reasons: [`${what}: ${result.reason}${result.output.length ? ` (${result.output.slice(-3).join(' | ')})` : ''}`] };
}

/**
 * A wave's steady state: the region's traffic before anything changes, judged by its gates. Nothing is changed on a
 * baseline that does not hold: the outcome is inconclusive (exit 4), or a failure with `--strict`.
 */
async function steadyState(world: RolloutWorld, wave: Wave, r: RolloutConfig, strict: boolean): Promise<StepOutcome> {
  if (world.interrupted?.()) return { kind: 'inconclusive', reasons: ['interrupted before the baseline'] };
  const duration = r.baselineDuration ?? r.trafficDuration;
  world.log(`wave ${wave.index} ${wave.region}: steady state before the deploy, ${secs(duration)} of traffic`);
  const outcome = report(world, wave, 'steady state', await world.judge('baseline', wave.region, duration));
  if (outcome.kind === 'ok') return outcome;
  const reasons = [...outcome.reasons, `${wave.region} did not show a steady state: nothing was deployed`];
  return { kind: strict ? 'fail' : 'inconclusive', reasons };
}

function report(world: RolloutWorld, wave: Wave, phase: string, judgement: Judgement): StepOutcome {
  // A phase cut short by a stop is not evidence either way: the wave goes back to the known-good version.
  if (world.interrupted?.()) return { kind: 'inconclusive', reasons: [`${phase}: interrupted`] };
  for (const g of judgement.gates) world.log(`wave ${wave.index} ${wave.region}: ${phase}: ${g.line}`);
  return outcomeOf(judgement, phase);
}
