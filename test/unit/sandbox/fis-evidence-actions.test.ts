import { expect } from 'chai';
import { actionEffect } from '../../../sandbox/fis-actions.ts';
import { DEPENDENCY_PORTS } from '../../../sandbox/fis-blackhole-port.ts';
import { experimentView } from '../../../sandbox/fis-experiment-view.ts';

describe('sandbox FIS: waiting, blackholing a dependency port, and GetExperiment as FIS reports it', () => {
  it('aws:fis:wait acts on nothing for its duration (so what starts after it waits), and needs one', () => {
    expect(actionEffect('aws:fis:wait', { duration: 'PT3S' })).to.deep.equal({ kind: 'fault', fault: {}, durationMs: 3000 });
    expect(actionEffect('aws:fis:wait').kind).to.equal('unsupported');
  });

  it('aws:ecs:task-network-blackhole-port on the database port takes the database down', () => {
    expect(actionEffect('aws:ecs:task-network-blackhole-port', { port: '5432', trafficType: 'egress', duration: 'PT1M' })).to.deep.equal({
      kind: 'fault',
      fault: { dependenciesDown: ['database'] },
      durationMs: 60_000,
    });
    expect(DEPENDENCY_PORTS).to.deep.equal({ database: 5432, cache: 6379, downstream: 443 });
    const unknown = actionEffect('aws:ecs:task-network-blackhole-port', { port: '1234', trafficType: 'egress' });
    expect(unknown.kind === 'unsupported' && unknown.reason).to.contain('no sandbox dependency listens on port 1234');
    const ingress = actionEffect('aws:ecs:task-network-blackhole-port', { port: '5432' });
    expect(ingress.kind === 'unsupported' && ingress.reason).to.contain('egress');
  });

  it('GetExperiment reports each action’s own state and start, not moto’s experiment-wide stamp', () => {
    const moto = JSON.stringify({
      experiment: {
        id: 'EXP1',
        state: { status: 'completed', reason: 'Experiment completed.' },
        actions: {
          wait: { actionId: 'aws:fis:wait', startTime: 1_800_000_000, state: { status: 'completed' } },
          stop: { actionId: 'aws:ecs:stop-task', startAfter: ['wait'], startTime: 1_800_000_000, state: { status: 'completed' } },
        },
      },
    });
    const waiting = JSON.parse(experimentView(moto, { ended: false, actions: { wait: { startedAt: 1_800_000_000_200 }, stop: {} } }));
    expect(waiting.experiment.state.status, 'moto’s "completed" is its shortcut').to.equal('running');
    expect(waiting.experiment.actions.wait).to.deep.include({
      startTime: 1_800_000_000.2,
      state: { status: 'running', reason: 'Action is running.' },
    });
    expect(waiting.experiment.actions.stop.startTime, 'not started: its predecessor runs').to.equal(undefined);
    expect(waiting.experiment.actions.stop.state.status).to.equal('pending');
    const acting = JSON.parse(
      experimentView(moto, {
        ended: false,
        actions: { wait: { startedAt: 1_800_000_000_200, endedAt: 1_800_000_003_200 }, stop: { startedAt: 1_800_000_003_210 } },
      }),
    );
    expect(acting.experiment.actions.stop).to.deep.include({
      startTime: 1_800_000_003.21,
      state: { status: 'running', reason: 'Action is running.' },
    });
    expect(acting.experiment.actions.wait.state.status).to.equal('completed');
    const unseen = JSON.parse(experimentView(moto, undefined));
    expect(unseen.experiment.actions.stop.state.status, 'an experiment the executor has not picked up yet').to.equal('pending');
  });
});
