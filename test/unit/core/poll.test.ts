import { expect } from 'chai';
import { DeadlineError } from '../../../core/errors.ts';
import { poll, pollUntil } from '../../../core/poll.ts';

/** A clock that moves only when the poll sleeps: what a poll does is counted, never timed. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

describe('poll until', () => {
  it('reads until the value is accepted, waiting the interval between reads', async () => {
    const time = fakeTime();
    let reads = 0;
    const value = await pollUntil(
      async () => ++reads,
      (n) => n === 3,
      { resource: 'three', intervalMs: 100, deadlineMs: 1000, ...time },
    );
    expect(value, 'the accepted value').to.equal(3);
    expect(time.sleeps, 'two waits between three reads').to.deep.equal([100, 100]);
  });

  it('fails with a DeadlineError naming the resource, without waiting past the deadline', async () => {
    const time = fakeTime();
    let reads = 0;
    const waiting = pollUntil(
      async () => ++reads,
      () => false,
      { resource: 'experiment abc to run', intervalMs: 300, deadlineMs: 1000, ...time },
    );
    const err = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(DeadlineError);
    expect((err as Error).message).to.equal('timed out after 900 ms waiting for experiment abc to run');
    expect(time.now(), 'the clock never passes the deadline').to.be.at.most(1000);
    expect(reads, 'a read at 0, 300, 600 and 900 ms').to.equal(4);
  });

  it('poll says where it ended instead of failing: the last value read when time ran out', async () => {
    const time = fakeTime();
    let left = 5;
    const polled = await poll(
      async () => --left,
      (n) => n === 0,
      { resource: 'processes to end', intervalMs: 50, deadlineMs: 100, ...time },
    );
    expect(polled).to.deep.equal({ value: 2, met: false, waitedMs: 100 });
    const met = await poll(
      async () => 0,
      (n) => n === 0,
      { resource: 'nothing', intervalMs: 50, deadlineMs: 100, ...time },
    );
    expect(met).to.deep.include({ value: 0, met: true });
  });

  it('ends at once with the reason of an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('run interrupted'));
    let reads = 0;
    const err = await pollUntil(
      async () => ++reads,
      () => false,
      { resource: 'anything', intervalMs: 10, deadlineMs: 1000, signal: controller.signal },
    ).catch((e: Error) => e);
    expect((err as Error).message).to.equal('run interrupted');
    expect(reads, 'nothing read after the abort').to.equal(0);
  });
});
