import { expect } from 'chai';
import { gateSchema } from '../../../config/gates-schema.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import { SeriesStore } from '../../../validations/series.ts';
import { decide } from '../../../validations/verdict.ts';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { loopbackConfig, runScenario } from '../../support/k6-run.ts';

const LAG_MS = 300;

// The replication gate on what the read-your-writes scenario really emits (real k6): the metric and tag names the
// gate defaults to are the ones the scenario writes.
describe('replication gate on read-your-writes (real k6, loopback regions)', function () {
  this.timeout(60_000);
  let world: FakeWorld;
  const gate = gateSchema.parse({ kind: 'replication', percentile: 50, bound: LAG_MS * 3, minSamples: 4 });

  beforeEach(async () => {
    world = await startFakeWorld({ regions: ['us-east-1', 'eu-west-1'], preferences: {}, lagMs: LAG_MS });
  });
  afterEach(() => world.stop());

  async function judge(config: ReturnType<typeof loopbackConfig>) {
    const store = new SeriesStore();
    await runScenario(config, { scenario: 'read-your-writes', durationMs: 3000, ratePerSecond: 2, thresholds: {} }, (p) =>
      store.addPoint(p),
    );
    const results = evaluateGates([gate], { store });
    return { results, verdict: decide(results) };
  }

  it('approves replication within the bound with nothing lost, per region pair', async () => {
    const { results, verdict } = await judge(
      loopbackConfig(world.regions, [], { readYourWrites: { convergence: { checksPerSecond: 1, deadline: '2s' } } }),
    );
    const lags = results.filter((r) => r.measure === 'p(50) replication_lag_ms');
    expect(lags.map((r) => r.groupLabel).sort()).to.deep.equal(['from=eu-west-1,to=us-east-1', 'from=us-east-1,to=eu-west-1']);
    for (const r of lags) expect(r.measured).to.be.within(LAG_MS * 0.5, LAG_MS * 1.5);
    expect(results.find((r) => r.measure.startsWith('lost writes'))).to.deep.include({ status: 'pass', measured: 0 });
    expect(verdict.kind, JSON.stringify(results)).to.equal('approve');
  });

  it('rolls back when a region stops replicating and writes are lost', async () => {
    world.region('us-east-1').replicationPaused = true;
    const { results, verdict } = await judge(
      loopbackConfig(world.regions, [], { readYourWrites: { deadline: '1s', convergence: { checksPerSecond: 1, deadline: '1s' } } }),
    );
    const lost = results.find((r) => r.measure.startsWith('lost writes'));
    expect(lost?.status).to.equal('fail');
    expect(lost?.measured).to.be.at.least(4);
    expect(verdict.kind).to.equal('rollback');
  });
});
