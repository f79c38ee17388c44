import { expect } from 'chai';
import { actionEffect, parseIsoDuration, SANDBOX_ACTIONS } from '../../../sandbox/fis-actions.ts';

describe('fis-actions', () => {
  it('parses ISO 8601 durations', () => {
    expect(parseIsoDuration('PT5M')).to.equal(300_000);
    expect(parseIsoDuration('PT30S')).to.equal(30_000);
    expect(parseIsoDuration('PT1H30M')).to.equal(5_400_000);
    expect(parseIsoDuration('P1D')).to.equal(86_400_000);
    expect(parseIsoDuration('PT0.5S')).to.equal(500);
    expect(parseIsoDuration('PT2M10S')).to.equal(130_000);
    for (const bad of ['', 'P', 'PT', '5M', 'PT5', 'PTM', 'pt5m x']) expect(parseIsoDuration(bad), bad).to.equal(undefined);
  });

  it('maps each supported action to a fault and its duration', () => {
    expect(actionEffect('aws:ecs:stop-task')).to.deep.equal({ kind: 'fault', fault: { stopped: true }, durationMs: undefined });
    expect(actionEffect('aws:network:disrupt-connectivity', { duration: 'PT1M', scope: 'all' })).to.deep.equal({
      kind: 'fault',
      fault: { unreachable: true },
      durationMs: 60_000,
    });
    expect(actionEffect('aws:ecs:task-network-latency', { duration: 'PT10S', delayMilliseconds: '150' })).to.deep.equal({
      kind: 'fault',
      fault: { addedLatencyMs: 150 },
      durationMs: 10_000,
    });
    expect(actionEffect('aws:fis:inject-api-internal-error', { duration: 'PT10S', percentage: '25' })).to.deep.equal({
      kind: 'fault',
      fault: { errorRate: 0.25 },
      durationMs: 10_000,
    });
    expect(actionEffect('aws:dynamodb:global-table-pause-replication', { duration: 'PT3S' })).to.deep.equal({
      kind: 'fault',
      fault: { replicationPaused: true },
      durationMs: 3000,
    });
  });

  it('refuses what it cannot execute, saying why', () => {
    expect(actionEffect('aws:rds:failover-db-cluster').kind).to.equal('unsupported');
    const bad = actionEffect('aws:ecs:task-network-latency', { duration: 'five minutes' });
    expect(bad.kind === 'unsupported' && bad.reason).to.include('ISO 8601');
    expect(actionEffect('aws:fis:inject-api-internal-error', { percentage: '150' }).kind).to.equal('unsupported');
  });

  it('provisions every action it can execute', () => {
    for (const a of SANDBOX_ACTIONS) expect(actionEffect(a.actionId, a.defaultParameters).kind, a.actionId).to.equal('fault');
  });
});
