import { expect } from 'chai';
import { unboundedActions } from '../../../chaos/fis-bounds.ts';

describe('FIS experiments end on their own by the fault deadline (their switch lives in FIS)', () => {
  const deadline = 15 * 60_000;

  it('accepts actions that act once, and durations up to the deadline', () => {
    const problems = unboundedActions(
      [
        { name: 'stop', actionId: 'aws:ecs:stop-task' },
        { name: 'latency', actionId: 'aws:ecs:task-network-latency', duration: 'PT15M' },
        { name: 'wait', actionId: 'aws:fis:wait', duration: 'PT30S' },
      ],
      deadline,
    );
    expect(problems, 'every action ends within 15 min').to.deep.equal([]);
  });

  it('names each action that would outlive the deadline: no duration, a longer one, one FIS does not read', () => {
    const problems = unboundedActions(
      [
        { name: 'pause', actionId: 'aws:dynamodb:global-table-pause-replication' },
        { name: 'cut', actionId: 'aws:network:disrupt-connectivity', duration: 'PT1H' },
        { name: 'odd', actionId: 'aws:ecs:task-network-packet-loss', duration: '15m' },
      ],
      deadline,
    );
    expect(problems).to.deep.equal([
      'action pause (aws:dynamodb:global-table-pause-replication) has no duration: FIS would run it until someone stops it',
      'action cut (aws:network:disrupt-connectivity) lasts PT1H, longer than chaos.faultDeadline (900 s)',
      'action odd (aws:ecs:task-network-packet-loss) has a duration FIS does not read: 15m',
    ]);
  });
});
