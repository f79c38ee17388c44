import { expect } from 'chai';
import { probeSchema } from '../../../config/probe-schema.ts';
import { type CycleOutput, type ProbeWorld, runProbe } from '../../../pipelines/probe-loop.ts';

function world(statuses: ('pass' | 'fail' | 'inconclusive')[] = []) {
  const calls: string[] = [];
  const w: ProbeWorld = {
    runCycle: async (i) => {
      calls.push(`cycle ${i}`);
      return { ndjson: `c${i}.ndjson` };
    },
    judge: async (window: readonly CycleOutput[]) => {
      calls.push(`judge ${window.map((o) => o.ndjson).join(',')}`);
      const status = statuses[calls.filter((c) => c.startsWith('judge')).length - 1] ?? 'pass';
      return {
        status,
        lines: [],
        cells: [{ vantage: 'v', region: 'r', requests: 10, failures: 0, latencyMs: 5, gatesHeld: status === 'pass' }],
      };
    },
    publish: async (cells) => {
      calls.push('publish');
      return cells.length * 5;
    },
    createAlarms: async () => {
      calls.push('alarms');
      return ['a'];
    },
    discard: async (o) => {
      calls.push(`discard ${o.ndjson}`);
    },
    sleep: async (ms) => {
      calls.push(`sleep ${ms}`);
    },
    now: () => new Date(0),
    log: () => {},
  };
  return { w, calls };
}

describe('probe loop', () => {
  it('slides the gate window one cycle at a time, discarding what left it, and publishes every cycle', async () => {
    const { w, calls } = world(['pass', 'fail', 'inconclusive', 'pass']);
    const probe = probeSchema.parse({ cycles: 4, windowCycles: 2, pauseSeconds: 1, cloudwatch: { createAlarms: true } });
    const summary = await runProbe(probe, w, new AbortController().signal);
    expect(summary).to.deep.equal({ cycles: 4, failedCycles: 1, inconclusiveCycles: 1, published: 20, alarms: ['a'] });
    expect(calls).to.deep.equal([
      'cycle 1',
      'judge c1.ndjson',
      'publish',
      'alarms',
      'sleep 1000',
      'cycle 2',
      'judge c1.ndjson,c2.ndjson',
      'publish',
      'sleep 1000',
      'cycle 3',
      'discard c1.ndjson',
      'judge c2.ndjson,c3.ndjson',
      'publish',
      'sleep 1000',
      'cycle 4',
      'discard c2.ndjson',
      'judge c3.ndjson,c4.ndjson',
      'publish',
    ]);
  });

  it('runs until aborted when cycles is 0, and publishes nothing when publishing is off', async () => {
    const ac = new AbortController();
    const { w, calls } = world();
    w.runCycle = async (i) => {
      calls.push(`cycle ${i}`);
      if (i === 3) ac.abort();
      return { ndjson: `c${i}` };
    };
    const summary = await runProbe(probeSchema.parse({ cycles: 0, cloudwatch: { enabled: false } }), w, ac.signal);
    expect(summary.cycles).to.equal(3);
    expect(calls).not.to.include('publish');
  });
});
