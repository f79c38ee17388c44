import { expect } from 'chai';
import { decide, type GuardrailInput, resourceKeys } from '../../../chaos/guardrails.ts';
import { healthyFromObservations } from '../../../chaos/health.ts';
import { resolveConfig } from '../../../config/resolve.ts';

const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
const allHealthy = regions.map((region) => ({ region, healthy: true, detail: 'reports healthy' }));
const invert = (region: string) => ({
  kind: 'invert-health-check' as const,
  region,
  resources: { healthCheckId: `hc-${region}` },
  takesOut: [region],
});

function input(over: Partial<GuardrailInput> = {}): GuardrailInput {
  return {
    target: invert('eu-west-1'),
    takesOut: ['eu-west-1'],
    health: allHealthy,
    open: [],
    runDir: '/runs/now',
    minHealthyRegions: 1,
    allowedRegions: regions,
    accountId: '123456789012',
    allowedAccounts: ['123456789012'],
    ...over,
  };
}

describe('guardrails', () => {
  it('by default keep every region but the one under test serving', () => {
    const config = resolveConfig({
      project: 'shop',
      aws: { accountIds: ['123456789012'] },
      regions: regions.map((name) => ({ name, endpoint: `http://${name}.example` })),
      globalEndpoint: 'http://shop.example',
    });
    expect(config.chaos.minHealthyRegions, 'three regions: two kept').to.equal(2);
    const minHealthyRegions = config.chaos.minHealthyRegions;
    expect(decide(input({ minHealthyRegions })).kind, 'one region out').to.equal('allow');
    const secondOut = input({
      minHealthyRegions,
      health: allHealthy.map((h) => (h.region === 'us-east-1' ? { ...h, healthy: false } : h)),
    });
    expect(decide(secondOut).kind, 'a second region out').to.equal('refuse');
  });

  it('allows a fault that leaves enough healthy regions', () => {
    expect(decide(input())).to.deep.equal({ kind: 'allow', healthyAfter: ['us-east-1', 'us-west-2'] });
  });

  it('refuses to take the last healthy region out: two unhealthy by Route 53', () => {
    const health = allHealthy.map((h) =>
      h.region === 'eu-west-1' ? h : { ...h, healthy: false, detail: 'health check reports unhealthy' },
    );
    const d = decide(input({ health }));
    expect(d.kind).to.equal('refuse');
    expect(d.kind === 'refuse' && d.reasons).to.deep.equal([
      'taking eu-west-1 out would leave 0 healthy region(s), fewer than chaos.minHealthyRegions = 1; not healthy now: us-east-1: health check reports unhealthy; us-west-2: health check reports unhealthy',
    ]);
  });

  it('counts regions under open faults (any run) as unhealthy even while Route 53 still says healthy', () => {
    const open = [
      { runDir: '/runs/a', id: 'f1', target: invert('us-east-1') },
      { runDir: '/runs/b', id: 'f2', target: { kind: 'fis-experiment' as const, region: 'us-west-2', resources: { template: 't' } } },
    ];
    const d = decide(input({ open }));
    expect(d.kind === 'refuse' && d.reasons[0]).to.include('us-east-1: under an open fault; us-west-2: under an open fault');
  });

  it('honours a higher minimum', () => {
    expect(decide(input({ minHealthyRegions: 2 })).kind).to.equal('allow');
    expect(decide(input({ minHealthyRegions: 3 })).kind).to.equal('refuse');
  });

  it('a fault that takes nothing out is not limited by health (a canary at 10 %)', () => {
    const health = allHealthy.map((h) => ({ ...h, healthy: false }));
    const target = {
      kind: 'shift-weight' as const,
      region: 'eu-west-1',
      resources: { hostedZoneId: 'Z', recordName: 'api.', recordType: 'A' },
    };
    expect(decide(input({ target, takesOut: [], health })).kind).to.equal('allow');
  });

  it('refuses accounts and regions the config does not allow, with every reason', () => {
    const d = decide(input({ accountId: '999999999999', allowedRegions: ['us-east-1', 'us-west-2'] }));
    expect(d.kind === 'refuse' && d.reasons).to.deep.equal([
      'account 999999999999 is not in aws.accountIds (123456789012)',
      'region eu-west-1 is not in aws.allowedRegions (us-east-1, us-west-2)',
    ]);
  });

  it('refuses a resource another run still has faulted; lets a canary step its own weights', () => {
    const other = { runDir: '/runs/a', id: 'f1', target: invert('eu-west-1') };
    const d = decide(input({ open: [other], minHealthyRegions: 1 }));
    expect(d.kind === 'refuse' && d.reasons[0]).to.equal(
      'health-check:hc-eu-west-1 already has an open fault (invert-health-check eu-west-1, f1 in /runs/a); run crosswind restore first',
    );
    const weights = {
      kind: 'shift-weight' as const,
      region: 'eu-west-1',
      resources: { hostedZoneId: 'Z', recordName: 'api.example.com.', recordType: 'A' },
    };
    const step = { runDir: '/runs/now', id: 'f2', target: { ...weights, takesOut: [] } };
    expect(decide(input({ target: weights, takesOut: [], open: [step] })).kind).to.equal('allow');
    expect(decide(input({ target: weights, takesOut: [], open: [{ ...step, runDir: '/runs/a' }] })).kind).to.equal('refuse');
    expect(resourceKeys(weights)).to.deep.equal(['records:Z/api.example.com/A']);
  });

  it('Route 53 health: more than 18 % of checkers healthy', () => {
    expect(healthyFromObservations([])).to.equal(undefined);
    expect(
      healthyFromObservations(['Success: HTTP 200', 'Failure: timeout', 'Failure: timeout', 'Failure: timeout', 'Failure: x']),
      '1 of 5 (20 %) is over 18 %',
    ).to.equal(true);
    expect(healthyFromObservations(['Success: HTTP 200', ...Array(5).fill('Failure: 503')]), '1 of 6 (17 %) is not').to.equal(false);
  });
});
