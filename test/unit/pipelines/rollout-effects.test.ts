import { expect } from 'chai';
import type { HookEnv, HookResult } from '../../../chaos/hooks.ts';
import { rolloutSchema } from '../../../config/rollout-schema.ts';
import { type Judgement, outcomeOf, type RolloutWorld, rolloutEffects } from '../../../pipelines/rollout-effects.ts';
import { runRollout } from '../../../pipelines/rollout-machine.ts';
import { buildRolloutPlan } from '../../../pipelines/rollout-plan.ts';

const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

/** A world of three regions whose version changes only through the hooks, and whose gates answer from a table. */
function world(verdicts: Record<string, Judgement> = {}, failingHook?: string) {
  const versions = new Map(regions.map((r) => [r, '1.0.0']));
  const calls: string[] = [];
  const hook = async (command: string, env: HookEnv): Promise<HookResult> => {
    calls.push(`${command} ${env.REGION} ${env.VERSION} ${env.PREVIOUS_VERSION}`);
    if (command === failingHook) return { kind: 'failed', durationMs: 1, output: ['boom'], reason: 'hook exited with 1' };
    versions.set(env.REGION, command === 'deploy' ? env.VERSION : env.PREVIOUS_VERSION);
    return { kind: 'ok', durationMs: 1, output: [] };
  };
  const w: RolloutWorld = {
    deploy: (env) => hook('deploy', env),
    rollBack: (env) => hook('rollback', env),
    keep: async (region) => {
      calls.push(`keep ${region}`);
    },
    readVersion: async (region) => versions.get(region),
    shiftWeight: async (region, percent) => {
      calls.push(`weight ${region} ${percent}`);
    },
    restoreWeights: async (region) => {
      calls.push(`restore-weights ${region}`);
    },
    async judge(phase, region) {
      calls.push(`judge ${phase} ${region}`);
      return verdicts[`${phase} ${region}`] ?? { gates: [{ status: 'pass', line: 'error rate 0% <= 1%: pass' }] };
    },
    log: () => {},
  };
  return { w, versions, calls };
}

const rollout = rolloutSchema.parse({ hooks: { deploy: 'deploy', rollback: 'rollback' }, versionPath: '/version' });

describe('rollout effects (the machine composed with hooks, versions, traffic and gates)', () => {
  it('deploys each region in order, each after its own baseline, the last one too', async () => {
    const { w, versions, calls } = world();
    const plan = buildRolloutPlan(regions, rollout, '2.0.0');
    const result = await runRollout(plan, rolloutEffects(plan, w));
    expect(result.kind).to.equal('approved');
    expect([...versions.values()]).to.deep.equal(['2.0.0', '2.0.0', '2.0.0']);
    expect(calls.filter((c) => c.endsWith('eu-west-1') || c.includes('eu-west-1 2.0.0'))).to.deep.equal([
      'judge baseline eu-west-1',
      'deploy eu-west-1 2.0.0 1.0.0',
      'judge traffic eu-west-1',
      'judge bake eu-west-1',
      'keep eu-west-1',
    ]);
    expect(calls[0]).to.equal('judge baseline us-east-1');
  });

  for (const strict of [false, true])
    it(`a wave whose baseline does not hold deploys nothing and rolls nothing back: ${strict ? 'failed with --strict' : 'inconclusive'}`, async () => {
      const { w, versions, calls } = world({
        'baseline us-west-2': { gates: [{ status: 'fail', line: 'rate request_failed: 12.6 % not <= 1 %' }] },
      });
      const plan = buildRolloutPlan(regions, rolloutSchema.parse({ ...rollout, weightSteps: [10] }), '2.0.0');
      const result = await runRollout(plan, rolloutEffects(plan, w, { strict }));
      expect(result.kind).to.equal(strict ? 'rolled-back' : 'inconclusive');
      expect(result.kind !== 'approved' && result.reasons).to.deep.equal([
        'steady state: rate request_failed: 12.6 % not <= 1 %',
        'us-west-2 did not show a steady state: nothing was deployed',
      ]);
      expect(calls.filter((c) => c.includes('us-west-2'))).to.deep.equal(['judge baseline us-west-2']);
      expect(versions.get('us-west-2')).to.equal('1.0.0');
      expect(result.waves.map((x) => x.status)).to.deep.equal(['approved', 'untouched', 'untouched']);
    });

  it('rolls back the first region on a failing gate, runs the rollback hook with the old version, leaves the rest', async () => {
    const { w, versions, calls } = world({ 'bake us-east-1': { gates: [{ status: 'fail', line: 'p(99) 412 ms <= 300 ms: fail' }] } });
    const plan = buildRolloutPlan(regions, rollout, '2.0.0-slow');
    const result = await runRollout(plan, rolloutEffects(plan, w));
    expect(result.kind).to.equal('rolled-back');
    if (result.kind === 'rolled-back') expect(result.reasons).to.deep.equal(['bake: p(99) 412 ms <= 300 ms: fail']);
    expect([...versions.values()]).to.deep.equal(['1.0.0', '1.0.0', '1.0.0']);
    expect(calls.at(-1)).to.equal('rollback us-east-1 2.0.0-slow 1.0.0');
  });

  it('fails the wave when the deploy hook fails, and when the region does not report the new version', async () => {
    const { w } = world({}, 'deploy');
    const plan = buildRolloutPlan(regions, rollout, '2.0.0');
    const result = await runRollout(plan, rolloutEffects(plan, w));
    expect(result.kind).to.equal('rolled-back');
    if (result.kind === 'rolled-back') expect(result.reasons[0]).to.equal('deploy hook: hook exited with 1 (boom)');

    const liar = world();
    liar.w.readVersion = async () => '1.0.0';
    const r2 = await runRollout(plan, rolloutEffects(plan, liar.w));
    if (r2.kind === 'rolled-back') expect(r2.reasons[0]).to.equal('deploy hook succeeded but us-east-1 reports version 1.0.0, not 2.0.0');
    else expect.fail('expected a rollback');
  });

  it('lowers the weight to the first step before the deploy hook runs, steps it, and restores it on approval', async () => {
    const { w, calls } = world();
    const plan = buildRolloutPlan(['us-east-1', 'us-west-2'], rolloutSchema.parse({ ...rollout, weightSteps: [10, 50, 100] }), '2.0.0');
    await runRollout(plan, rolloutEffects(plan, w));
    // The old order deployed at the region's full weight, then stepped to 10 %.
    expect(calls.slice(0, 10)).to.deep.equal([
      'judge baseline us-east-1',
      'weight us-east-1 10',
      'deploy us-east-1 2.0.0 1.0.0',
      'judge weight-10 us-east-1',
      'weight us-east-1 50',
      'judge weight-50 us-east-1',
      'weight us-east-1 100',
      'judge weight-100 us-east-1',
      'judge traffic us-east-1',
      'judge bake us-east-1',
    ]);
    expect(calls.slice(10, 12)).to.deep.equal(['restore-weights us-east-1', 'keep us-east-1']);
  });

  it('never approves without a gate result', () => {
    expect(outcomeOf({ gates: [] }, 'traffic')).to.deep.equal({ kind: 'inconclusive', reasons: ['traffic: no gate was evaluated'] });
    expect(
      outcomeOf(
        {
          gates: [
            { status: 'pass', line: 'a' },
            { status: 'inconclusive', line: 'b' },
          ],
        },
        'bake',
      ),
    ).to.deep.equal({
      kind: 'inconclusive',
      reasons: ['bake: b'],
    });
  });
});

describe('rollout effects when the run is stopping', () => {
  it('starts no new deploy and rolls the current wave back', async () => {
    const { w, calls } = world();
    let stop = false;
    w.interrupted = () => stop;
    const judge = w.judge;
    w.judge = async (...args) => {
      if (args[0] !== 'baseline') stop = true; // a signal arrives during the first traffic phase
      return judge(...args);
    };
    const plan = buildRolloutPlan(regions, rollout, '2.0.0');
    const result = await runRollout(plan, rolloutEffects(plan, w));
    expect(result.kind).to.equal('inconclusive');
    if (result.kind === 'inconclusive') expect(result.reasons).to.deep.equal(['traffic: interrupted']);
    expect(calls[0], 'the baseline runs before the signal').to.equal('judge baseline us-east-1');
    expect(calls.filter((c) => c.startsWith('deploy'))).to.deep.equal(['deploy us-east-1 2.0.0 1.0.0']);
    expect(calls.at(-1)).to.equal('rollback us-east-1 2.0.0 1.0.0');
  });

  it('refuses to deploy when the version a region runs cannot be read, and runs no rollback hook with an empty version', async () => {
    const { w, calls, versions } = world();
    w.readVersion = async (region) => {
      if (region === 'us-east-1') throw new Error('cannot read the version at http://us-east-1/version: ECONNREFUSED');
      return versions.get(region);
    };
    const plan = buildRolloutPlan(regions, rollout, '2.0.0');
    const result = await runRollout(plan, rolloutEffects(plan, w));
    expect(result.kind).to.equal('rolled-back');
    if (result.kind === 'rolled-back')
      expect(result.reasons[0]).to.match(/^the version us-east-1 runs now is unknown \(cannot read the version .*\); refusing to deploy/);
    expect(
      calls.filter((c) => c.startsWith('deploy') || c.startsWith('rollback')),
      'hooks run',
    ).to.deep.equal([]);
    expect([...versions.values()]).to.deep.equal(['1.0.0', '1.0.0', '1.0.0']);
  });

  it('keeps an approved wave (its deploy leaves the open faults) and rolls back only the unjudged one', async () => {
    const { w, calls } = world({ 'bake us-west-2': { gates: [{ status: 'fail', line: 'error rate 5% <= 1%: fail' }] } });
    const plan = buildRolloutPlan(regions, rollout, '2.0.0');
    await runRollout(plan, rolloutEffects(plan, w));
    expect(calls.filter((c) => /^(deploy|rollback|keep) /.test(c))).to.deep.equal([
      'deploy us-east-1 2.0.0 1.0.0',
      'keep us-east-1',
      'deploy us-west-2 2.0.0 1.0.0',
      'rollback us-west-2 2.0.0 1.0.0',
    ]);
  });
});
