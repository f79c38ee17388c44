import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import { buildPlan, startK6Run } from '../../../synthetics/k6.ts';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';

// The real k6 on global-traffic.ts against a loopback world whose routing the test controls.
describe('global-traffic.ts (real k6, loopback world)', function () {
  this.timeout(60_000);
  let world: FakeWorld;

  before(async () => {
    world = await startFakeWorld({
      regions: ['us-east-1', 'us-west-2', 'eu-west-1'],
      preferences: { 'vantage-us-east': ['us-east-1', 'us-west-2', 'eu-west-1'], 'vantage-eu': ['eu-west-1', 'us-east-1', 'us-west-2'] },
    });
  });
  after(() => world.stop());

  it('tags every request with its vantage and serving region, and shows a failover and its failures live', async () => {
    const config = resolveConfig({
      project: 'shop',
      aws: { accountIds: ['123456789012'] },
      regions: world.regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
      vantages: world.vantages,
    });
    const plan = buildPlan(config, { scenario: 'global-traffic', durationMs: 6000, ratePerSecond: 20 });
    const run = await startK6Run({ plan, runDir: await mkdtemp(join(tmpdir(), 'crosswind-gt-')), signals: null });

    // Break us-east-1 once traffic flows, and only later route around it, as health checks would.
    const requests: K6Point[] = [];
    let brokenAt = 0;
    let reroutedAt = 0;
    for await (const p of run.points) {
      if (p.metric !== 'request_failed') continue;
      requests.push(p);
      if (!brokenAt && requests.length >= 20) {
        brokenAt = Date.now();
        world.region('us-east-1').failing = true;
        setTimeout(() => {
          reroutedAt = Date.now();
          world.setHealthy('us-east-1', false);
        }, 1000);
      }
    }
    const result = await run.done;
    expect(result.kind, result.stderrTail).to.equal('thresholds-failed');
    expect(result.kind === 'thresholds-failed' && result.failedThresholds).to.include(
      'http_req_failed{vantage:vantage-us-east}: rate<0.01',
    );
    expect(reroutedAt).to.be.greaterThan(0);

    for (const p of requests) {
      expect(p.tags).to.include({ scenario: 'global-traffic', method: 'GET', name: '/' });
      expect(p.tags.vantage).to.be.oneOf(['vantage-us-east', 'vantage-eu']);
      expect(p.tags).to.not.have.property('target_region');
    }
    const us = requests.filter((p) => p.tags.vantage === 'vantage-us-east');
    const eu = requests.filter((p) => p.tags.vantage === 'vantage-eu');
    // Nearest region first.
    expect(us[0]?.tags.served_by).to.equal('us-east-1');
    expect(eu.every((p) => p.tags.served_by === 'eu-west-1' && p.value === 0)).to.equal(true);
    // The failures between the break and the reroute are in the points, stamped with the broken region.
    const failed = us.filter((p) => p.value === 1);
    expect(failed.length).to.be.greaterThan(5);
    expect(failed.every((p) => p.tags.served_by === 'us-east-1' && p.tags.status === '503')).to.equal(true);
    // After the reroute, vantage-us-east is served by the next region, successfully.
    const after = us.filter((p) => p.time > reroutedAt + 500);
    expect(after.length).to.be.greaterThan(10);
    expect(after.every((p) => p.tags.served_by === 'us-west-2' && p.value === 0)).to.equal(true);
    // Rate held: about 20/s per vantage over 6 s.
    expect(us.length).to.be.within(90, 130);
  });
});
