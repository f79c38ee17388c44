import { expect } from 'chai';
import { functionalGates } from '../../../pipelines/gameday-gates.ts';
import { deepHealthGates } from '../../../pipelines/health-gates.ts';
import { buildPlan } from '../../../synthetics/build-plan.ts';
import { evaluateGates } from '../../../validations/gates/evaluate.ts';
import { SeriesStore } from '../../../validations/series.ts';
import { decide } from '../../../validations/verdict.ts';
import { loopbackConfig } from '../../support/k6-run.ts';

// Health honesty: a health endpoint that answers 200 without saying what it checked is worse than none, because
// Route 53 keeps sending users to a region whose database is gone. By default it fails the run.

const REGIONS = [
  { name: 'us-east-1', endpoint: 'http://127.0.0.1:7001' },
  { name: 'us-west-2', endpoint: 'http://127.0.0.1:7002' },
];
const config = (shallowHealth?: 'fail' | 'warn') => loopbackConfig(REGIONS, [], shallowHealth ? { regionalProbe: { shallowHealth } } : {});
const T0 = Date.UTC(2026, 0, 1);

/** The regional probe's `health_shallow` of one region: one answer a second, `shallow` of them shallow. */
function answers(store: SeriesStore, region: string, n: number, shallow: number): void {
  for (let i = 0; i < n; i++) store.add('health_shallow', { target_region: region }, T0 + i * 1000, i < shallow ? 1 : 0);
}

describe('deep health (a shallow health endpoint fails by default)', () => {
  it('fails a region whose health endpoint answered 200 with no dependency check, passes one that reported its checks', () => {
    const store = new SeriesStore();
    answers(store, 'us-east-1', 20, 0);
    answers(store, 'us-west-2', 20, 20);
    const results = evaluateGates(deepHealthGates(config().synthetics, {}), { store });
    const byRegion = Object.fromEntries(results.map((r) => [r.group.target_region, r]));
    expect(byRegion['us-west-2']?.status, 'the shallow one').to.equal('fail');
    expect(byRegion['us-west-2']?.reason).to.include('20 of 20 health answers were 200 with no dependency check');
    expect(byRegion['us-east-1']?.status, 'the deep one').to.equal('pass');
    expect(decide(results).kind, 'a run with a shallow health endpoint is not approved').to.equal('rollback');
  });

  it('is inconclusive without any health answer, never a pass', () => {
    const results = evaluateGates(deepHealthGates(config().synthetics, { target_region: 'us-east-1' }), {
      store: new SeriesStore(),
    });
    expect(results.map((r) => r.status)).to.deep.equal(['inconclusive']);
  });

  it('the functional checks and the regional probe hold it by default; shallowHealth: warn only flags it', () => {
    const strict = config();
    const warn = config('warn');
    expect(functionalGates(['us-west-2'], strict).map((g) => g.kind)).to.deep.equal(['error-rate', 'deep-health']);
    expect(functionalGates(['us-west-2'], warn).map((g) => g.kind)).to.deep.equal(['error-rate']);

    const probe = buildPlan(strict, { scenario: 'regional-probe' });
    expect(probe.thresholds, 'k6 fails `crosswind synthetics run regional-probe` on a shallow answer').to.deep.include({
      'health_shallow{target_region:us-west-2}': ['rate==0'],
    });
    expect(Object.keys(buildPlan(warn, { scenario: 'regional-probe' }).thresholds)).to.not.include('health_shallow');
    expect(buildPlan(strict, { scenario: 'regional-probe', thresholds: {} }).thresholds, 'thresholds given for the run win').to.deep.equal(
      {},
    );
  });
});
