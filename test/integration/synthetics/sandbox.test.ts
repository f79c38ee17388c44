import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { mergeConfigLayer } from '../../../config/layer.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import type { CrosswindConfigInput } from '../../../config/schema.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import { clearAllFaults, setFault } from '../../../sandbox/region-app/admin-client.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { configFromSandboxState } from '../../../sandbox/sandbox-config.ts';
import type { SandboxRegionState } from '../../../sandbox/state.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { median, runScenario, select } from '../../support/k6-run.ts';
import { until } from '../../support/until.ts';

// Every scenario with the real k6 against the real sandbox: region app processes, the Route 53-semantics edge and
// moto. Faults go in as a user's would: UpdateHealthCheck through the SDK, or the region apps' fault knobs.
// A replication lag well above what a loaded 2-core machine adds to each measurement (tens to a few hundred ms).
const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 800 };

describe('synthetics against the sandbox (real k6, real sandbox)', function () {
  this.timeout(120_000);
  let sandbox: SandboxHandle;
  let route53: Route53Client;

  const region = (name: string): SandboxRegionState => {
    const r = sandbox.state.regions.find((x) => x.name === name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  };
  const configWith = (synthetics: CrosswindConfigInput['synthetics']) =>
    resolveConfig(mergeConfigLayer({ project: 'shop', synthetics }, configFromSandboxState(sandbox.state)));
  const invert = (name: string, inverted: boolean) =>
    route53.send(new UpdateHealthCheckCommand({ HealthCheckId: region(name).healthCheckId, Inverted: inverted }));

  /** Waits until every vantage is served by its nearest region again (after a test moved traffic). */
  async function routingSettled(): Promise<void> {
    const settled = async () => {
      let all = true;
      for (const v of sandbox.state.vantages) {
        const res = await fetch(`${v.endpoint}/version`).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.headers.get('x-served-by') !== v.nearestRegion) all = false;
      }
      return all;
    };
    await until('every vantage to be served by its nearest region', settled, 15_000, 100);
  }

  before(async () => {
    sandbox = await startSandbox({
      stateFile: join(tmpdir(), `crosswind-synthetics-${process.pid}-${Date.now()}`, 'state.json'),
      timing: TIMING,
    });
    const { aws } = sandbox.state;
    route53 = sandboxRoute53(aws);
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });
  afterEach(async () => {
    for (const r of sandbox.state.regions) await clearAllFaults(r.adminUrl);
    await invert('us-east-1', false);
    await routingSettled();
  });

  /** The vantage whose nearest region is us-east-1. */
  const eastVantage = () => {
    const v = sandbox.state.vantages.find((x) => x.nearestRegion === 'us-east-1');
    if (!v) throw new Error('no vantage near us-east-1');
    return v;
  };

  it('global-traffic: each vantage is served by its nearest region; an inverted health check moves it elsewhere', async () => {
    const config = configWith({ globalTraffic: { path: '/version' } });
    let invertedAt = 0;
    let firstAt: number | undefined;
    const { points, result } = await runScenario(config, { scenario: 'global-traffic', durationMs: 6000, ratePerSecond: 10 }, (p) => {
      if (p.metric !== 'request_failed') return;
      firstAt ??= p.time;
      if (!invertedAt && p.time - firstAt > 1500) {
        invertedAt = Date.now();
        void invert('us-east-1', true);
      }
    });
    expect(result.kind, result.stderrTail).to.equal('ok');
    expect(invertedAt).to.be.greaterThan(0);
    const requests = select(points, 'request_failed');
    for (const v of sandbox.state.vantages) {
      const mine = requests.filter((p) => p.tags.vantage === v.name);
      expect(mine.length, v.name).to.be.within(45, 70);
      expect(
        mine.filter((p) => p.time < invertedAt).every((p) => p.tags.served_by === v.nearestRegion),
        v.name,
      ).to.equal(true);
    }
    const east = requests.filter((p) => p.tags.vantage === eastVantage().name);
    const budget = TIMING.healthIntervalMs * TIMING.failureThreshold + TIMING.dnsTtlMs + 1000;
    const movedAt = east.find((p) => p.time > invertedAt && p.tags.served_by !== 'us-east-1')?.time ?? Number.POSITIVE_INFINITY;
    // Generous margin on shared cores: detection (interval x threshold) plus the DNS TTL, twice over.
    expect(movedAt - invertedAt).to.be.lessThan(budget * 2);
    const late = east.filter((p) => p.time >= movedAt);
    expect(late.length).to.be.greaterThan(5);
    expect(late.every((p) => p.tags.served_by !== 'us-east-1' && p.tags.served_by !== 'unknown' && p.value === 0)).to.equal(true);
    // Inverting routes around a healthy region: no request failed.
    expect(requests.every((p) => p.value === 0)).to.equal(true);
  });

  it('global-traffic: a region that stops shows failed requests until the edge routes around it', async () => {
    const config = configWith({ globalTraffic: { path: '/version' } });
    let stoppedAt = 0;
    const { points, result } = await runScenario(
      config,
      { scenario: 'global-traffic', durationMs: 6000, ratePerSecond: 10 },
      (p: K6Point) => {
        if (!stoppedAt && p.metric === 'request_failed' && p.tags.vantage === eastVantage().name && p.tags.served_by === 'us-east-1') {
          stoppedAt = Date.now();
          void setFault(region('us-east-1').adminUrl, 'synthetics-test', { stopped: true });
        }
      },
    );
    expect(result.kind).to.equal('thresholds-failed');
    const east = select(points, 'request_failed', { vantage: eastVantage().name });
    const failed = east.filter((p) => p.value === 1);
    expect(failed.length).to.be.greaterThan(2);
    expect(failed.every((p) => p.time >= stoppedAt - 50)).to.equal(true);
    const lastFailure = Math.max(...failed.map((p) => p.time));
    const after = east.filter((p) => p.time > lastFailure);
    expect(after.length).to.be.greaterThan(5);
    expect(after.every((p) => p.value === 0 && p.tags.served_by !== 'us-east-1')).to.equal(true);
    expect(select(points, 'http_req_failed', { vantage: eastVantage().name }).filter((p) => p.value === 1).length).to.equal(failed.length);
  });

  it('regional-probe: a region with its database down is seen with that check failing', async () => {
    await setFault(region('eu-west-1').adminUrl, 'synthetics-test', { dependenciesDown: ['database'] });
    const { points, result } = await runScenario(configWith({}), { scenario: 'regional-probe', durationMs: 3000, ratePerSecond: 3 });
    expect(result.kind).to.equal('thresholds-failed');
    const db = select(points, 'health_check_ok', { target_region: 'eu-west-1', check: 'database' });
    expect(db.length).to.be.greaterThan(5);
    expect(db.every((p) => p.value === 0)).to.equal(true);
    expect(select(points, 'health_ok', { target_region: 'eu-west-1' }).every((p) => p.value === 0)).to.equal(true);
    for (const name of ['us-east-1', 'us-west-2']) {
      expect(
        select(points, 'health_check_ok', { target_region: name }).every((p) => p.value === 1),
        name,
      ).to.equal(true);
      expect(
        select(points, 'health_shallow', { target_region: name }).every((p) => p.value === 0),
        name,
      ).to.equal(true);
      expect(select(points, 'health_check_latency_ms', { target_region: name, check: 'downstream' }).length, name).to.be.greaterThan(5);
    }
  });

  it('read-your-writes: the lag is the configured one, lost writes are counted while replication is paused, writes converge', async () => {
    const config = configWith({ readYourWrites: { deadline: '3s', convergence: { checksPerSecond: 2, deadline: '4s' } } });
    const healthy = await runScenario(config, { scenario: 'read-your-writes', durationMs: 4000, ratePerSecond: 1 });
    expect(healthy.result.kind, healthy.result.stderrTail).to.equal('ok');
    const lags = select(healthy.points, 'replication_lag_ms').map((p) => p.value);
    expect(lags.length).to.be.at.least(18);
    expect(median(lags)).to.be.within(TIMING.replicationLagMs * 0.5, TIMING.replicationLagMs * 1.5);
    const converged = select(healthy.points, 'convergence_ok');
    expect(converged.length).to.be.at.least(4);
    expect(converged.every((p) => p.value === 1)).to.equal(true);

    await setFault(region('us-east-1').adminUrl, 'synthetics-test', { replicationPaused: true });
    const paused = await runScenario(config, { scenario: 'read-your-writes', durationMs: 3000, ratePerSecond: 1 });
    expect(paused.result.kind).to.equal('thresholds-failed');
    const lost = select(paused.points, 'lost_writes');
    expect(lost.length).to.be.at.least(6);
    expect(lost.every((p) => p.tags.from === 'us-east-1' || p.tags.to === 'us-east-1')).to.equal(true);
    expect(select(paused.points, 'replication_lag_ms', { from: 'us-west-2', to: 'eu-west-1' }).length).to.be.at.least(2);
  });

  it('session-continuity: sessions survive a failover between regions', async () => {
    const config = configWith({ sessionContinuity: { sessionsPerVantage: 2, checkInterval: '200ms' } });
    let invertedAt = 0;
    const { points, result } = await runScenario(config, { scenario: 'session-continuity', durationMs: 6000 }, (p) => {
      if (!invertedAt && p.metric === 'session_kept' && p.tags.vantage === eastVantage().name) {
        invertedAt = Date.now();
        // Sessions are replicated (lag 800 ms) well before routing moves (this delay plus detection).
        setTimeout(() => void invert('us-east-1', true), 1000);
      }
    });
    expect(result.kind, result.stderrTail).to.equal('ok');
    const east = select(points, 'session_kept', { vantage: eastVantage().name });
    expect(east.filter((p) => p.tags.created_by === 'us-east-1').length).to.be.greaterThan(5);
    const moved = east.filter((p) => p.tags.moved === 'true');
    expect(moved.length).to.be.at.least(6);
    expect(moved.every((p) => p.tags.served_by !== 'us-east-1')).to.equal(true);
    expect(select(points, 'session_kept').every((p) => p.value === 1)).to.equal(true);
  });
});
