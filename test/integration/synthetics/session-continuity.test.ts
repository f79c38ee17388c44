import { expect } from 'chai';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { loopbackConfig, runScenario, select } from '../../support/k6-run.ts';

describe('session-continuity.ts (real k6, loopback world)', function () {
  this.timeout(60_000);
  let world: FakeWorld;

  beforeEach(async () => {
    world = await startFakeWorld({
      regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      preferences: { 'vantage-us-east': ['us-east-1', 'us-west-2'], 'vantage-eu': ['eu-west-1', 'us-east-1'] },
      lagMs: 100,
    });
  });
  afterEach(() => world.stop());

  async function failoverRun() {
    const config = loopbackConfig(world.regions, world.vantages, { sessionContinuity: { sessionsPerVantage: 3, checkInterval: '200ms' } });
    let moved = false;
    const run = await runScenario(config, { scenario: 'session-continuity', durationMs: 4000 }, (p) => {
      // Once every session is created and checked, move vantage-us-east's traffic to us-west-2.
      if (!moved && p.metric === 'session_kept' && p.tags.vantage === 'vantage-us-east') {
        moved = true;
        setTimeout(() => world.setHealthy('us-east-1', false), 1000);
      }
    });
    expect(moved).to.equal(true);
    return run;
  }

  it('keeps sessions valid while the serving region changes', async () => {
    const { points, result } = await failoverRun();
    expect(result.kind, result.stderrTail).to.equal('ok');
    expect(select(points, 'sessions_created', { vantage: 'vantage-us-east', created_by: 'us-east-1' })).to.have.length(3);
    const kept = select(points, 'session_kept', { vantage: 'vantage-us-east' });
    const movedChecks = kept.filter((p) => p.tags.moved === 'true');
    expect(movedChecks.length).to.be.at.least(6);
    expect(movedChecks.every((p) => p.tags.served_by === 'us-west-2' && p.tags.created_by === 'us-east-1')).to.equal(true);
    expect(kept.every((p) => p.value === 1)).to.equal(true);
    const eu = select(points, 'session_kept', { vantage: 'vantage-eu' });
    expect(eu.length).to.be.at.least(6);
    expect(eu.every((p) => p.value === 1 && p.tags.moved === 'false')).to.equal(true);
  });

  it('sees sessions lost when they were never replicated to the region taking over', async () => {
    world.region('us-east-1').replicationPaused = true;
    const { points, result } = await failoverRun();
    expect(result.kind).to.equal('thresholds-failed');
    const movedChecks = select(points, 'session_kept', { vantage: 'vantage-us-east', moved: 'true' });
    expect(movedChecks.length).to.be.at.least(6);
    expect(movedChecks.every((p) => p.value === 0)).to.equal(true);
  });
});
