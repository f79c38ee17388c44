import { expect } from 'chai';
import { deepHealthGates } from '../../../pipelines/health-gates.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import { SeriesStore } from '../../../validations/series.ts';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { loopbackConfig, runScenario, select } from '../../support/k6-run.ts';

function storeOf(points: Parameters<typeof select>[0]): SeriesStore {
  const store = new SeriesStore();
  for (const p of points) store.addPoint(p);
  return store;
}

describe('regional-probe.ts (real k6, loopback regions)', function () {
  this.timeout(60_000);
  let world: FakeWorld;

  before(async () => {
    world = await startFakeWorld({ regions: ['us-east-1', 'us-west-2', 'eu-west-1'], preferences: {}, shallow: ['us-west-2'] });
  });
  after(() => world.stop());

  it('sees a failing dependency as that check failing, and flags a shallow health endpoint', async () => {
    world.region('eu-west-1').checks.database = 'down';
    const config = loopbackConfig(world.regions, [], { regionalProbe: { paths: ['/'] } });
    const { points, result } = await runScenario(config, { scenario: 'regional-probe', durationMs: 3000, ratePerSecond: 2 });

    expect(result.kind, result.stderrTail).to.equal('thresholds-failed');
    expect(result.kind === 'thresholds-failed' && result.failedThresholds).to.include('health_ok{target_region:eu-west-1}: rate>=0.99');
    expect(world.regions.every((r) => r.requests >= 10)).to.equal(true);

    const db = select(points, 'health_check_ok', { target_region: 'eu-west-1', check: 'database' });
    expect(db.length).to.be.greaterThan(3);
    expect(db.every((p) => p.value === 0)).to.equal(true);
    const euOthers = select(points, 'health_check_ok', { target_region: 'eu-west-1' }).filter((p) => p.tags.check !== 'database');
    expect(new Set(euOthers.map((p) => p.tags.check))).to.deep.equal(new Set(['cache', 'downstream']));
    expect(euOthers.every((p) => p.value === 1)).to.equal(true);
    expect(select(points, 'health_ok', { target_region: 'eu-west-1' }).every((p) => p.value === 0)).to.equal(true);
    const latency = select(points, 'health_check_latency_ms', { target_region: 'us-east-1', check: 'cache' });
    expect(latency.length).to.be.greaterThan(3);
    expect(latency.every((p) => p.value === 2 && p.tags.version === '1.0.0')).to.equal(true);

    // us-west-2 answers 200 {"status":"ok"}: healthy by its own word, and flagged shallow.
    const shallow = select(points, 'health_shallow', { target_region: 'us-west-2' });
    expect(shallow.length).to.be.greaterThan(3);
    expect(shallow.every((p) => p.value === 1)).to.equal(true);
    expect(select(points, 'health_shallow', { target_region: 'us-east-1' }).every((p) => p.value === 0)).to.equal(true);
    expect(select(points, 'health_check_ok', { target_region: 'us-west-2' })).to.have.length(0);
    // By default a shallow health endpoint fails the run, in k6's own thresholds as in crosswind's gate.
    expect(result.kind === 'thresholds-failed' && result.failedThresholds, 'k6 fails the shallow region').to.include(
      'health_shallow{target_region:us-west-2}: rate==0',
    );
    expect(result.kind === 'thresholds-failed' && result.failedThresholds, 'and only it').to.not.include(
      'health_shallow{target_region:us-east-1}: rate==0',
    );
    const honesty = evaluateGates(deepHealthGates(config.synthetics, {}), { store: storeOf(points) });
    expect(Object.fromEntries(honesty.map((r) => [r.group.target_region, r.status]))).to.deep.equal({
      'eu-west-1': 'pass',
      'us-east-1': 'pass',
      'us-west-2': 'fail',
    });

    // Each region was addressed directly and answered itself; the functional path ran too.
    for (const r of world.regions) {
      const reqs = select(points, 'request_failed', { target_region: r.name, scenario: 'regional-probe' });
      expect(reqs.every((p) => p.tags.served_by === r.name)).to.equal(true);
      expect(select(reqs, 'request_failed', { name: '/' }).length).to.be.greaterThan(3);
    }
  });
});
