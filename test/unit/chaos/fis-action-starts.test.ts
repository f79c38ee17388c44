import { expect } from 'chai';
import { actionStarts, assumedStarts, startAfterOffsets } from '../../../chaos/fis-action-starts.ts';

const T = 1_800_000_000_000;

describe('FIS: when an experiment’s fault begins to act', () => {
  const actions = {
    wait: { actionId: 'aws:fis:wait', parameters: { duration: 'PT5S' } },
    slow: { actionId: 'aws:ecs:task-network-latency', parameters: { duration: 'PT2S' }, startAfter: ['wait'] },
    stop: { actionId: 'aws:ecs:stop-task', startAfter: ['wait', 'slow'] },
  };

  it('honours startAfter per action: each waits for the longest chain of its predecessors’ durations', () => {
    expect(Object.fromEntries(startAfterOffsets(actions))).to.deep.equal({ wait: 0, slow: 5000, stop: 7000 });
  });

  it('takes the start FIS reports, never earlier than the chain allows; waits and checks start no fault', () => {
    const reported = actionStarts(
      {
        wait: { ...actions.wait, startTime: new Date(T + 100), state: { status: 'completed' } },
        // moto stamps every action with the experiment's start: earlier than its chain allows.
        slow: { ...actions.slow, startTime: new Date(T + 100), state: { status: 'running' } },
        stop: { ...actions.stop, startTime: new Date(T + 7300), state: { status: 'running' } },
      },
      T,
    );
    expect(reported.starts).to.deep.equal({ slow: { at: T + 5000, reported: true }, stop: { at: T + 7300, reported: true } });
    expect(reported.actsAt).to.equal(T + 5000);
    expect(reported.pending).to.deep.equal([]);
  });

  it('lists the acting actions not started yet, with the earliest their reported predecessors allow', () => {
    // The wait began 300 ms after the call: what follows it cannot start before 5.3 s.
    const reported = { ...actions, wait: { ...actions.wait, startTime: new Date(T + 300) } };
    const early = actionStarts(reported, T);
    expect(early.pending).to.deep.equal(['slow', 'stop']);
    expect(early.actsAt).to.equal(undefined);
    expect(early.pendingEarliest).to.equal(T + 7300);
    expect(assumedStarts(reported, T, early.pending)).to.deep.equal({
      slow: { at: T + 5300, reported: false },
      stop: { at: T + 7300, reported: false },
    });
    // A predecessor's reported end counts over its duration.
    const ended = { ...reported, wait: { ...reported.wait, endTime: new Date(T + 5600) } };
    expect(assumedStarts(ended, T, ['slow']).slow?.at).to.equal(T + 5600);
  });
});
