import { expect } from 'chai';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { loopbackConfig, median, runScenario, select } from '../../support/k6-run.ts';

const LAG_MS = 300;

describe('read-your-writes.ts (real k6, loopback regions with replication lag)', function () {
  this.timeout(60_000);
  let world: FakeWorld;

  beforeEach(async () => {
    world = await startFakeWorld({ regions: ['us-east-1', 'eu-west-1', 'ap-south-1'], preferences: {}, lagMs: LAG_MS });
  });
  afterEach(() => world.stop());

  it('measures the replication lag per region pair, and concurrent writes converge', async () => {
    const config = loopbackConfig(world.regions, [], { readYourWrites: { convergence: { checksPerSecond: 2, deadline: '3s' } } });
    const { points, result } = await runScenario(config, { scenario: 'read-your-writes', durationMs: 3000, ratePerSecond: 2 });
    expect(result.kind, result.stderrTail).to.equal('ok');

    const lags = select(points, 'replication_lag_ms');
    const pairs = new Set(lags.map((p) => `${p.tags.from}>${p.tags.to}`));
    expect(pairs.size).to.equal(6);
    expect(lags.length).to.be.at.least(30);
    const m = median(lags.map((p) => p.value));
    expect(m).to.be.within(LAG_MS * 0.5, LAG_MS * 1.5);
    expect(select(points, 'lost_writes')).to.have.length(0);
    // Polls that found nothing yet are expected answers, not failed requests.
    const polls = select(points, 'http_req_failed', { method: 'GET' });
    expect(polls.some((p) => p.tags.status === '404')).to.equal(true);
    expect(polls.every((p) => p.value === 0)).to.equal(true);

    const converged = select(points, 'convergence_ok');
    expect(converged.length).to.be.at.least(4);
    expect(converged.every((p) => p.value === 1)).to.equal(true);
    expect(select(points, 'convergence_ms').every((p) => p.value >= LAG_MS * 0.5)).to.equal(true);
  });

  it('counts lost writes while a region does not replicate, and sees convergence fail', async () => {
    world.region('us-east-1').replicationPaused = true;
    const config = loopbackConfig(world.regions, [], {
      readYourWrites: { deadline: '1s', convergence: { checksPerSecond: 2, deadline: '1s' } },
    });
    const { points, result } = await runScenario(config, { scenario: 'read-your-writes', durationMs: 3000, ratePerSecond: 2 });
    expect(result.kind, result.stderrTail).to.equal('thresholds-failed');
    expect(result.kind === 'thresholds-failed' && result.failedThresholds).to.include('lost_writes: count<1');

    // us-east-1 is cut off from replication both ways: every write to or from it is lost, no other.
    const lost = select(points, 'lost_writes');
    expect(lost.length).to.be.at.least(12);
    expect(lost.every((p) => p.tags.from === 'us-east-1' || p.tags.to === 'us-east-1')).to.equal(true);
    expect(new Set(lost.map((p) => `${p.tags.from}>${p.tags.to}`)).size).to.equal(4);
    const lags = select(points, 'replication_lag_ms');
    expect(lags.length).to.be.at.least(6);
    expect(new Set(lags.map((p) => `${p.tags.from}>${p.tags.to}`))).to.deep.equal(
      new Set(['eu-west-1>ap-south-1', 'ap-south-1>eu-west-1']),
    );
    // Concurrent writes involving us-east-1 cannot converge.
    const stuck = select(points, 'convergence_ok').filter((p) => p.tags.regions?.includes('us-east-1'));
    expect(stuck.length).to.be.at.least(1);
    expect(stuck.every((p) => p.value === 0)).to.equal(true);
  });
});
