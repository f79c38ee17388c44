import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import { ConfigError } from '../../../core/errors.ts';
import { buildPlan, expandThresholds } from '../../../synthetics/build-plan.ts';

const raw = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'http://127.0.0.1:7001' },
    { name: 'us-west-2', endpoint: 'http://127.0.0.1:7002' },
    { name: 'eu-west-1', endpoint: 'http://127.0.0.1:7003', servedBy: { jsonField: 'meta.region' } },
  ],
  vantages: [
    { name: 'vantage-us', endpoint: 'http://127.0.0.1:7101' },
    { name: 'vantage-eu', endpoint: 'http://127.0.0.1:7102' },
  ],
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a ConfigError');
}

describe('synthetics config and run plan', () => {
  it('fills every synthetics default when the section is absent', () => {
    const c = resolveConfig(raw);
    expect(c.synthetics.http).to.deep.equal({ noConnectionReuse: true, timeout: 5000 });
    expect(c.synthetics.globalTraffic.duration).to.equal(30_000);
    expect(c.synthetics.globalTraffic.ratePerSecond).to.equal(10);
    expect(c.synthetics.readYourWrites.convergence).to.deep.equal({ checksPerSecond: 0.5, deadline: 10_000 });
    expect(c.synthetics.summaryTrendStats).to.include('p(99)');
  });

  it('reports bad synthetics fields with their paths', () => {
    const found = problems(() =>
      resolveConfig({ ...raw, synthetics: { globalTraffic: { duration: 'soon', ratePerSecond: -1, path: 'x' }, http: { timeout: 0 } } }),
    );
    expect(found).to.have.length(4);
    expect(found.join('\n')).to.match(/synthetics\.globalTraffic\.duration: expected a duration like "1h30m"/);
    expect(found.join('\n')).to.match(/synthetics\.globalTraffic\.ratePerSecond/);
    expect(found.join('\n')).to.match(/synthetics\.globalTraffic\.path: expected a path/);
    expect(found.join('\n')).to.match(/synthetics\.http\.timeout/);
  });

  it('builds a global-traffic plan with one group per vantage and per-vantage thresholds', () => {
    const c = resolveConfig({ ...raw, synthetics: { globalTraffic: { duration: '5s', ratePerSecond: 4 } } });
    const plan = buildPlan(c, { scenario: 'global-traffic', runId: 'r1' });
    if (plan.scenario !== 'global-traffic') throw new Error('wrong scenario');
    expect(plan.durationMs).to.equal(5000);
    expect(plan.rate).to.deep.equal({ perSecond: 4, preAllocatedVUs: 4, maxVUs: 50 });
    expect(plan.vantages.map((v) => v.name)).to.deep.equal(['vantage-us', 'vantage-eu']);
    expect(plan.servedBy).to.deep.equal([{ header: 'x-served-by' }, { jsonField: 'meta.region' }]);
    expect(plan.http.noConnectionReuse, 'by default a new connection a request, so each sees the current routing').to.equal(true);
    expect(plan.thresholds).to.deep.include({
      http_req_failed: ['rate<0.01'],
      'http_req_failed{vantage:vantage-eu}': ['rate<0.01'],
      'http_req_duration{vantage:vantage-us}': ['p(99)<2000'],
    });
    expect(plan.runId).to.equal('r1');
  });

  it('applies overrides and names unknown vantages and regions', () => {
    const c = resolveConfig(raw);
    const plan = buildPlan(c, { scenario: 'global-traffic', durationMs: 2000, ratePerSecond: 3, vantages: ['vantage-eu'], thresholds: {} });
    expect(plan.vantages.map((v) => v.name)).to.deep.equal(['vantage-eu']);
    expect(plan.thresholds).to.deep.equal({});
    expect(problems(() => buildPlan(c, { scenario: 'global-traffic', vantages: ['nowhere'] }))).to.deep.equal([
      '--vantage[0]: "nowhere" is not configured (expected one of "vantage-us", "vantage-eu")',
    ]);
    expect(problems(() => buildPlan(c, { scenario: 'regional-probe', regions: ['us-east-1', 'mars-1'] }))[0]).to.match(
      /^--region\[1\]: "mars-1"/,
    );
  });

  it('makes every ordered region pair for read-your-writes and checks configured pairs', () => {
    const c = resolveConfig(raw);
    const plan = buildPlan(c, { scenario: 'read-your-writes', regions: ['us-east-1', 'eu-west-1'] });
    if (plan.scenario !== 'read-your-writes') throw new Error('wrong scenario');
    expect(plan.pairs).to.deep.equal([
      { from: 'us-east-1', to: 'eu-west-1' },
      { from: 'eu-west-1', to: 'us-east-1' },
    ]);
    expect(plan.rate.maxVUs).to.be.greaterThan(plan.rate.preAllocatedVUs);
    const bad = resolveConfig({
      ...raw,
      synthetics: {
        readYourWrites: {
          pairs: [
            { from: 'us-east-1', to: 'us-east-1' },
            { from: 'x', to: 'eu-west-1' },
          ],
        },
      },
    });
    expect(problems(() => buildPlan(bad, { scenario: 'read-your-writes' }))).to.deep.equal([
      'synthetics.readYourWrites.pairs[0]: expected two different regions',
      'synthetics.readYourWrites.pairs[1].from: "x" is not a configured region',
    ]);
  });

  it('expands thresholds only on plain metrics', () => {
    expect(expandThresholds({ a: ['rate<1'], 'b{x:y}': ['count<1'] }, 'vantage', ['v1', 'v2'], true)).to.deep.equal({
      a: ['rate<1'],
      'b{x:y}': ['count<1'],
      'a{vantage:v1}': ['rate<1'],
      'a{vantage:v2}': ['rate<1'],
    });
    expect(expandThresholds({ a: ['rate<1'] }, 'vantage', ['v1'], false)).to.deep.equal({ a: ['rate<1'] });
  });
});
