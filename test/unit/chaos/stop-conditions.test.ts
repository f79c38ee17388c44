import { expect } from 'chai';
import { type Breach, checkAlarmsBeforeFault, evaluateStopConditions, startStopMonitor } from '../../../chaos/stop-conditions.ts';
import { ConfigError } from '../../../core/errors.ts';
import { until } from '../../support/until.ts';

/** Waits for a condition instead of a fixed time: slow, shared machines only make it take longer. */
const eventually = (ok: () => boolean, ms = 5_000) => until('the condition', async () => ok(), ms, 5);

describe('stop conditions', () => {
  const ok = [{ name: 'errors', region: 'us-east-1', state: 'OK' as const }];

  it('an alarm in ALARM is a breach, named with its reason', () => {
    expect(
      evaluateStopConditions({
        alarms: [{ name: 'errors', region: 'us-east-1', state: 'ALARM', reason: 'p99 > 2s' }],
        maxErrorRate: 0.05,
        regions: [],
      }),
    ).to.deep.equal({
      source: 'alarm',
      reason: 'alarm errors (us-east-1): p99 > 2s in ALARM',
    });
  });

  it('the error rate of the regions not under fault above the bound is a breach; at or below is not', () => {
    expect(evaluateStopConditions({ alarms: ok, errorRate: 0.05, maxErrorRate: 0.05, regions: ['us-west-2'] })).to.equal(undefined);
    expect(evaluateStopConditions({ alarms: ok, errorRate: 0.2, maxErrorRate: 0.05, regions: ['us-west-2', 'eu-west-1'] })).to.deep.equal({
      source: 'error-rate',
      reason: 'error rate 20.00 % in us-west-2, eu-west-1 is above chaos.stopConditions.maxErrorRate 5.00 %',
    });
    expect(evaluateStopConditions({ alarms: ok, maxErrorRate: 0.05, regions: [] })).to.equal(undefined);
  });

  it('before the first fault, a missing alarm or one already in ALARM is refused', () => {
    expect(() => checkAlarmsBeforeFault(ok)).to.not.throw();
    expect(() => checkAlarmsBeforeFault([{ name: 'x', region: 'us-east-1', state: 'missing' }])).to.throw(
      ConfigError,
      'no alarm "x" in us-east-1',
    );
    expect(() => checkAlarmsBeforeFault([{ name: 'x', region: 'us-east-1', state: 'ALARM' }])).to.throw(ConfigError, 'already in ALARM');
  });

  it('the monitor passes the regions not under fault to the error-rate source and breaches once', async () => {
    const asked: string[][] = [];
    const breaches: Breach[] = [];
    let rate = 0;
    const monitor = startStopMonitor({
      intervalMs: 5,
      readAlarms: async () => ok,
      errorRate: (regions) => {
        asked.push([...regions]);
        return rate;
      },
      maxErrorRate: 0.1,
      healthyRegions: () => ['us-west-2'],
      onBreach: (b) => breaches.push(b),
      log: () => {},
    });
    await eventually(() => asked.length >= 2);
    expect(breaches).to.deep.equal([]);
    rate = 0.5;
    await eventually(() => breaches.length > 0);
    const asks = asked.length;
    await new Promise((r) => setTimeout(r, 30));
    monitor.stop();
    // Once breached, it stops polling.
    expect(asked.length).to.equal(asks);
    expect(asked[0]).to.deep.equal(['us-west-2']);
    expect(breaches).to.have.length(1);
    expect(breaches[0]?.source).to.equal('error-rate');
  });

  it('stop conditions that cannot be read three times in a row are a breach', async () => {
    const breaches: Breach[] = [];
    const monitor = startStopMonitor({
      intervalMs: 2,
      readAlarms: async () => {
        throw new Error('connection refused');
      },
      maxErrorRate: 0.1,
      healthyRegions: () => [],
      onBreach: (b) => breaches.push(b),
      log: () => {},
    });
    await eventually(() => breaches.length > 0);
    monitor.stop();
    expect(breaches).to.deep.equal([{ source: 'error', reason: 'stop conditions unreadable 3 times in a row: connection refused' }]);
  });
});
