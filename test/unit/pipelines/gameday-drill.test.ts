import { expect } from 'chai';
import { gamedaySchema } from '../../../config/gameday-schema.ts';
import { type DrillTraffic, type GamedayWorld, runDrill } from '../../../pipelines/gameday-drill.ts';
import { buildGamedayPlan, gamedayProblems } from '../../../pipelines/gameday-plan.ts';

const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

function world(options: { failInject?: boolean; onSleep?: () => void; steady?: 'pass' | 'fail' | 'inconclusive' } = {}) {
  let clock = 0;
  const calls: string[] = [];
  const w: GamedayWorld = {
    async startTraffic(durationMs): Promise<DrillTraffic> {
      calls.push(`traffic ${durationMs}`);
      let stopped!: () => void;
      const done = new Promise<void>((r) => {
        stopped = r;
      });
      return {
        points: {
          [Symbol.asyncIterator]: () => ({
            next: async (): Promise<IteratorResult<never>> => {
              await done;
              return { done: true, value: undefined };
            },
          }),
        },
        done,
        stop: () => {
          calls.push('traffic stop');
          stopped();
        },
      };
    },
    async applyFault(f) {
      calls.push(`apply ${f.kind} ${f.region}`);
      if (options.failInject) throw new Error('guardrail: refused');
    },
    async restore(reason) {
      calls.push(`restore (${reason})`);
    },
    async steadyState(since) {
      calls.push(`steady state since ${since}`);
      const status = options.steady ?? 'pass';
      return { gates: [{ status, line: `rate request_failed [all]: ${status === 'fail' ? '12.6 %' : '0 %'}` }] };
    },
    async functionalChecks(survivors, durationMs) {
      calls.push(`functional ${survivors.join(',')} ${durationMs}`);
      return { gates: [{ status: 'pass', line: 'health ok' }] };
    },
    async sleep(ms) {
      calls.push(`sleep ${ms}`);
      clock += ms;
      options.onSleep?.();
    },
    now: () => clock,
    phase: (name) => calls.push(`phase ${name}`),
    note: () => {},
    point: () => {},
  };
  return { w, calls };
}

/** The classic drill's calls until its fault: baseline traffic, then the steady state checked before anything changes. */
const UP_TO_THE_FAULT = ['phase announce', 'phase baseline', 'traffic 150000', 'sleep 20000', 'phase inject', 'steady state since 0'];

describe('game day drill', () => {
  const gameday = gamedaySchema.parse({});

  it('runs the classic drill in order, traffic throughout, and restores in the restore phase', async () => {
    expect(gamedayProblems(gameday, regions)).to.deep.equal([]);
    const plan = buildGamedayPlan(gameday, regions);
    expect(plan.targetRegion).to.equal('us-east-1');
    expect(plan.survivors).to.deep.equal(['us-west-2', 'eu-west-1']);
    const { w, calls } = world();
    const record = await runDrill(plan, w, new AbortController().signal);
    expect(calls).to.deep.equal([
      ...UP_TO_THE_FAULT,
      'apply invert-health-check us-east-1',
      'phase observe',
      'sleep 60000',
      'phase functional-checks',
      'functional us-west-2,eu-west-1 10000',
      'phase restore',
      'restore (drill restore phase)',
      'phase verify-rebalance',
      'sleep 30000',
      'traffic stop',
    ]);
    expect(record.phases.map((p) => p.kind)).to.deep.equal([
      'announce',
      'baseline',
      'inject',
      'observe',
      'functional-checks',
      'restore',
      'verify-rebalance',
    ]);
    expect(record.injectedAt).to.equal(20_000);
    expect(record.restoredAt).to.equal(80_000);
    expect(record.aborted).to.equal(undefined);
  });

  for (const steady of ['fail', 'inconclusive'] as const)
    it(`checks the steady state on the baseline first: when it is ${steady}, nothing is injected and nothing restored`, async () => {
      // The baseline already shows 12.6 % errors (or too few requests to say): breaking the system now tests nothing.
      const plan = buildGamedayPlan(gameday, regions);
      const { w, calls } = world({ steady });
      const record = await runDrill(plan, w, new AbortController().signal);
      expect(calls).to.deep.equal([...UP_TO_THE_FAULT, 'traffic stop']);
      expect(record.steadyState?.held, 'the steady state did not hold').to.equal(false);
      expect(record.injectedAt).to.equal(undefined);
    });

  it('restores and stops traffic when aborted mid-drill (a signal)', async () => {
    const ac = new AbortController();
    const plan = buildGamedayPlan(gameday, regions);
    const { w, calls } = world({
      onSleep: () => {
        if (calls.includes('apply invert-health-check us-east-1')) ac.abort('SIGINT');
      },
    });
    const record = await runDrill(plan, w, ac.signal);
    expect(record.aborted).to.equal('SIGINT');
    expect(calls.slice(-2)).to.deep.equal(['restore (drill stopped: SIGINT)', 'traffic stop']);
    expect(calls).not.to.include('phase functional-checks');
  });

  it('restores when a phase throws, then rethrows', async () => {
    const plan = buildGamedayPlan(gameday, regions, 'eu-west-1');
    const { w, calls } = world({ failInject: true });
    let error: unknown;
    await runDrill(plan, w, new AbortController().signal).catch((e) => {
      error = e;
    });
    expect((error as Error).message).to.equal('guardrail: refused');
    expect(calls.slice(-2)).to.deep.equal(['restore (drill stopped: guardrail: refused)', 'traffic stop']);
  });

  it('refuses drills that cannot run safely', () => {
    const bad = gamedaySchema.parse({
      targetRegion: 'ap-south-1',
      phases: [{ kind: 'inject', faults: [{ kind: 'invert-health-check', region: 'mars' }] }],
    });
    expect(gamedayProblems(bad, ['us-east-1'])).to.deep.equal([
      { path: 'gameday.targetRegion', message: '"ap-south-1" is not a configured region (us-east-1)' },
      { path: 'gameday.phases[0].faults[0].region', message: '"mars" is not a configured region' },
      { path: 'gameday.phases', message: 'a drill that injects faults needs a "restore" phase after them' },
      { path: 'regions', message: 'a game day needs at least two regions: one to take out, one to fail over to' },
    ]);
  });
});
