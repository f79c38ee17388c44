import type { Wave } from './waves.ts';

// The rollout as a state machine: for each wave, baseline (the steady state, before anything changes) → deploy →
// weight steps → traffic (gates) → bake (gates throughout) → approve, then the next wave; any failure → rollback →
// halt. A baseline that does not hold halts at once: nothing was changed, so nothing is rolled back. `transition` is pure; `runRollout` drives it with
// the effects passed in, so the same machine runs against AWS, the sandbox and unit tests.

/** What one step of a wave came to. Inconclusive is never a pass: it rolls the wave back like a failure. */
export type StepOutcome = { kind: 'ok' } | { kind: 'fail'; reasons: string[] } | { kind: 'inconclusive'; reasons: string[] };

export type RolloutState =
  | { kind: 'baseline'; wave: number }
  | { kind: 'deploy'; wave: number }
  | { kind: 'weight'; wave: number; step: number }
  | { kind: 'traffic'; wave: number }
  | { kind: 'bake'; wave: number }
  | { kind: 'approved'; wave: number }
  | { kind: 'rollback'; wave: number; outcome: Exclude<StepOutcome, { kind: 'ok' }> }
  | { kind: 'halted'; wave: number; outcome: Exclude<StepOutcome, { kind: 'ok' }> }
  | { kind: 'done' };

/** What the machine needs to know of the plan: waves (by index from 1), the weight steps and the first wave to run. */
export interface MachinePlan {
  waves: readonly Wave[];
  weightSteps: readonly number[];
  /** 1-based; waves before it are taken as already deployed and approved (`--from-wave`). */
  fromWave: number;
  /** 1-based; the run ends approved after this wave (`--to-wave`, one wave a CI job); default the last. */
  toWave?: number;
}

/** The state a rollout starts in. */
export function initialState(plan: MachinePlan): RolloutState {
  return plan.fromWave > plan.waves.length ? { kind: 'done' } : { kind: 'baseline', wave: plan.fromWave };
}

/**
 * Pure: the next state after `state` came to `outcome`. Steps that act (deploy, weight, traffic, bake) move on when
 * ok and to rollback otherwise; approved moves to the next wave; rollback always halts (it is the end of the run).
 */
export function transition(plan: MachinePlan, state: RolloutState, outcome: StepOutcome): RolloutState {
  const bad = outcome.kind === 'ok' ? undefined : outcome;
  switch (state.kind) {
    case 'baseline':
      // Nothing changed yet: a steady state that does not hold ends the rollout without a rollback.
      return bad ? { kind: 'halted', wave: state.wave, outcome: bad } : { kind: 'deploy', wave: state.wave };
    case 'deploy':
      if (bad) return { kind: 'rollback', wave: state.wave, outcome: bad };
      return plan.weightSteps.length > 0 ? { kind: 'weight', wave: state.wave, step: 0 } : { kind: 'traffic', wave: state.wave };
    case 'weight':
      if (bad) return { kind: 'rollback', wave: state.wave, outcome: bad };
      return state.step + 1 < plan.weightSteps.length
        ? { kind: 'weight', wave: state.wave, step: state.step + 1 }
        : { kind: 'traffic', wave: state.wave };
    case 'traffic':
      if (bad) return { kind: 'rollback', wave: state.wave, outcome: bad };
      return { kind: 'bake', wave: state.wave };
    case 'bake':
      if (bad) return { kind: 'rollback', wave: state.wave, outcome: bad };
      return { kind: 'approved', wave: state.wave };
    case 'approved':
      return state.wave < Math.min(plan.toWave ?? plan.waves.length, plan.waves.length)
        ? { kind: 'baseline', wave: state.wave + 1 }
        : { kind: 'done' };
    case 'rollback':
      return { kind: 'halted', wave: state.wave, outcome: state.outcome };
    case 'halted':
    case 'done':
      return state;
  }
}

/** The side effects of each state; each resolves to the step's outcome. */
export interface RolloutEffects {
  /** The region before anything changes: its steady state, and the baseline its deployed version is compared with. */
  baseline(wave: Wave): Promise<StepOutcome>;
  deploy(wave: Wave): Promise<StepOutcome>;
  /** Expose the freshly deployed region at `percent` of its weight and judge it there. */
  weight(wave: Wave, percent: number): Promise<StepOutcome>;
  /** Drive traffic at the region and evaluate the gates. */
  traffic(wave: Wave): Promise<StepOutcome>;
  /** Bake, evaluating the gates throughout. */
  bake(wave: Wave): Promise<StepOutcome>;
  /** Called once a wave is approved, before the next one starts. */
  approve(wave: Wave): Promise<void>;
  /** Put the previous version back and restore weights; errors here are reported but still halt. */
  rollback(wave: Wave, outcome: Exclude<StepOutcome, { kind: 'ok' }>): Promise<void>;
}

export type WaveStatus = 'skipped' | 'approved' | 'rolled-back' | 'untouched';

export interface WaveResult {
  wave: Wave;
  status: WaveStatus;
  reasons: string[];
}

export type RolloutResult =
  | { kind: 'approved'; waves: WaveResult[] }
  | { kind: 'rolled-back'; wave: Wave; reasons: string[]; waves: WaveResult[] }
  | { kind: 'inconclusive'; wave: Wave; reasons: string[]; waves: WaveResult[] };

function waveAt(plan: MachinePlan, index: number): Wave {
  const wave = plan.waves[index - 1];
  if (!wave) throw new RangeError(`no wave ${index} in a plan of ${plan.waves.length}`);
  return wave;
}

/** Drives the machine to its end. A thrown effect counts as a failed step (and rolls the wave back). */
export async function runRollout(
  plan: MachinePlan,
  effects: RolloutEffects,
  onState: (state: RolloutState) => void = () => {},
): Promise<RolloutResult> {
  const status = new Map<number, WaveResult>();
  for (const wave of plan.waves) {
    status.set(wave.index, { wave, status: wave.index < plan.fromWave ? 'skipped' : 'untouched', reasons: [] });
  }
  let state = initialState(plan);
  for (;;) {
    onState(state);
    if (state.kind === 'done') return { kind: 'approved', waves: [...status.values()] };
    if (state.kind === 'halted') {
      const wave = waveAt(plan, state.wave);
      const waves = [...status.values()];
      return state.outcome.kind === 'fail'
        ? { kind: 'rolled-back', wave, reasons: state.outcome.reasons, waves }
        : { kind: 'inconclusive', wave, reasons: state.outcome.reasons, waves };
    }
    const wave = waveAt(plan, state.wave);
    let outcome: StepOutcome;
    try {
      outcome = await step(plan, state, wave, effects);
    } catch (err) {
      outcome = { kind: 'fail', reasons: [`${state.kind}: ${err instanceof Error ? err.message : String(err)}`] };
    }
    if (state.kind === 'approved') status.set(wave.index, { wave, status: 'approved', reasons: [] });
    if (state.kind === 'rollback') status.set(wave.index, { wave, status: 'rolled-back', reasons: state.outcome.reasons });
    state = transition(plan, state, outcome);
  }
}

async function step(plan: MachinePlan, state: RolloutState, wave: Wave, effects: RolloutEffects): Promise<StepOutcome> {
  switch (state.kind) {
    case 'baseline':
      return effects.baseline(wave);
    case 'deploy':
      return effects.deploy(wave);
    case 'weight':
      return effects.weight(wave, plan.weightSteps[state.step] ?? 100);
    case 'traffic':
      return effects.traffic(wave);
    case 'bake':
      return effects.bake(wave);
    case 'approved':
      await effects.approve(wave);
      return { kind: 'ok' };
    case 'rollback':
      try {
        await effects.rollback(wave, state.outcome);
      } catch (err) {
        // The rollout halts either way; the failed rollback is part of the reasons so nobody misses it.
        state.outcome.reasons.push(`rollback failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      return { kind: 'ok' };
    default:
      return { kind: 'ok' };
  }
}
