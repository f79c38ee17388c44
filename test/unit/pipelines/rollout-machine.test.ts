import { expect } from 'chai';
import {
  type MachinePlan,
  type RolloutEffects,
  type RolloutState,
  runRollout,
  type StepOutcome,
  transition,
} from '../../../pipelines/rollout-machine.ts';
import { orderWaves, type Wave } from '../../../pipelines/waves.ts';

const waves = orderWaves(['us-east-1', 'us-west-2', 'eu-west-1'], { order: 'config' });

/** Effects that record every call and answer from a script keyed by `<step> <region>`. */
function recorder(fail: Record<string, StepOutcome> = {}, throwOn?: string) {
  const calls: string[] = [];
  const answer = async (key: string): Promise<StepOutcome> => {
    calls.push(key);
    if (key === throwOn) throw new Error('hook exploded');
    return fail[key] ?? { kind: 'ok' };
  };
  const effects: RolloutEffects = {
    baseline: (w: Wave) => answer(`baseline ${w.region}`),
    deploy: (w: Wave) => answer(`deploy ${w.region}`),
    weight: (w: Wave, p: number) => answer(`weight ${p} ${w.region}`),
    traffic: (w: Wave) => answer(`traffic ${w.region}`),
    bake: (w: Wave) => answer(`bake ${w.region}`),
    approve: async (w: Wave) => {
      calls.push(`approve ${w.region}`);
    },
    rollback: async (w: Wave) => {
      calls.push(`rollback ${w.region}`);
    },
  };
  return { calls, effects };
}

describe('rollout state machine', () => {
  it('walks baseline, deploy, weight steps, traffic, bake, approve for every wave in order', async () => {
    const plan: MachinePlan = { waves, weightSteps: [10, 50, 100], fromWave: 1 };
    const { calls, effects } = recorder();
    const states: RolloutState['kind'][] = [];
    const result = await runRollout(plan, effects, (s) => states.push(s.kind));
    expect(result.kind).to.equal('approved');
    expect(result.waves.map((w) => w.status)).to.deep.equal(['approved', 'approved', 'approved']);
    expect(calls.slice(0, 8)).to.deep.equal([
      'baseline us-east-1',
      'deploy us-east-1',
      'weight 10 us-east-1',
      'weight 50 us-east-1',
      'weight 100 us-east-1',
      'traffic us-east-1',
      'bake us-east-1',
      'approve us-east-1',
    ]);
    expect(calls.filter((c) => c.startsWith('approve'))).to.deep.equal(['approve us-east-1', 'approve us-west-2', 'approve eu-west-1']);
    expect(states.at(-1)).to.equal('done');
  });

  it('rolls back the failing wave and halts, leaving later waves untouched', async () => {
    const plan: MachinePlan = { waves, weightSteps: [], fromWave: 1 };
    const { calls, effects } = recorder({ 'bake us-east-1': { kind: 'fail', reasons: ['p(99) 412 ms > 300 ms'] } });
    const result = await runRollout(plan, effects);
    expect(result.kind).to.equal('rolled-back');
    if (result.kind !== 'rolled-back') return;
    expect(result.wave.region).to.equal('us-east-1');
    expect(result.reasons).to.deep.equal(['p(99) 412 ms > 300 ms']);
    expect(calls).to.deep.equal(['baseline us-east-1', 'deploy us-east-1', 'traffic us-east-1', 'bake us-east-1', 'rollback us-east-1']);
    expect(result.waves.map((w) => w.status)).to.deep.equal(['rolled-back', 'untouched', 'untouched']);
  });

  it('treats an inconclusive gate as no pass: rollback, halt, inconclusive', async () => {
    const plan: MachinePlan = { waves, weightSteps: [], fromWave: 1 };
    const { calls, effects } = recorder({ 'traffic us-west-2': { kind: 'inconclusive', reasons: ['12 samples < 50'] } });
    const result = await runRollout(plan, effects);
    expect(result.kind).to.equal('inconclusive');
    expect(calls.at(-1)).to.equal('rollback us-west-2');
    expect(result.waves.map((w) => w.status)).to.deep.equal(['approved', 'rolled-back', 'untouched']);
  });

  it('counts a thrown effect as a failed step', async () => {
    const plan: MachinePlan = { waves, weightSteps: [], fromWave: 1 };
    const { calls, effects } = recorder({}, 'deploy us-east-1');
    const result = await runRollout(plan, effects);
    expect(result.kind).to.equal('rolled-back');
    if (result.kind === 'rolled-back') expect(result.reasons).to.deep.equal(['deploy: hook exploded']);
    expect(calls).to.deep.equal(['baseline us-east-1', 'deploy us-east-1', 'rollback us-east-1']);
  });

  it('resumes from a wave, marking the earlier ones skipped', async () => {
    const plan: MachinePlan = { waves, weightSteps: [], fromWave: 2 };
    const { calls, effects } = recorder();
    const result = await runRollout(plan, effects);
    expect(result.kind).to.equal('approved');
    expect(calls.slice(0, 2)).to.deep.equal(['baseline us-west-2', 'deploy us-west-2']);
    expect(result.waves.map((w) => w.status)).to.deep.equal(['skipped', 'approved', 'approved']);
  });

  it('is a pure transition function: a failure anywhere goes to rollback, rollback to halted', () => {
    const plan: MachinePlan = { waves, weightSteps: [10], fromWave: 1 };
    const fail: StepOutcome = { kind: 'fail', reasons: ['x'] };
    for (const s of [
      { kind: 'deploy', wave: 1 },
      { kind: 'weight', wave: 1, step: 0 },
      { kind: 'traffic', wave: 1 },
      { kind: 'bake', wave: 1 },
    ] as RolloutState[]) {
      expect(transition(plan, s, fail)).to.deep.equal({ kind: 'rollback', wave: 1, outcome: fail });
    }
    expect(transition(plan, { kind: 'rollback', wave: 1, outcome: fail }, { kind: 'ok' })).to.deep.equal({
      kind: 'halted',
      wave: 1,
      outcome: fail,
    });
    expect(transition(plan, { kind: 'approved', wave: 3 }, { kind: 'ok' })).to.deep.equal({ kind: 'done' });
    // Before anything changed: a baseline that does not hold halts without a rollback.
    expect(transition(plan, { kind: 'baseline', wave: 2 }, fail)).to.deep.equal({ kind: 'halted', wave: 2, outcome: fail });
    expect(transition(plan, { kind: 'baseline', wave: 2 }, { kind: 'ok' })).to.deep.equal({ kind: 'deploy', wave: 2 });
    expect(transition(plan, { kind: 'approved', wave: 1 }, { kind: 'ok' })).to.deep.equal({ kind: 'baseline', wave: 2 });
  });
});

describe('rollout state machine, one wave a run', () => {
  it('stops approved after --to-wave, leaving later waves untouched', async () => {
    const plan: MachinePlan = { waves, weightSteps: [], fromWave: 2, toWave: 2 };
    const { calls, effects } = recorder();
    const result = await runRollout(plan, effects);
    expect(result.kind).to.equal('approved');
    expect(calls.filter((c) => c.startsWith('deploy'))).to.deep.equal(['deploy us-west-2']);
    expect(result.waves.map((w) => w.status)).to.deep.equal(['skipped', 'approved', 'untouched']);
  });
});
