import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { mergeConfigLayer } from '../../../config/layer.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import type { CrosswindConfigInput } from '../../../config/schema.ts';
import { type GroundTruthEntry, parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import type { RequestLogLine } from '../../../sandbox/region-app/public-server.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { configFromSandboxState } from '../../../sandbox/sandbox-config.ts';
import type { SandboxRegionState } from '../../../sandbox/state.ts';
import { buildPlan, startK6Run } from '../../../synthetics/k6.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { select } from '../../support/k6-run.ts';

// k6 as a client in a real network: one k6 per vantage, inside that vantage's namespace, requesting the global name,
// resolving it with its own resolver through the sandbox's name server, and connecting straight to a region.

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 400, dnsTtlMs: 2000, replicationLagMs: 300 };

describe('synthetics in the namespace world: k6 resolves the global name itself, from its vantage', function () {
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

  before(async () => {
    const dir = join(tmpdir(), `crosswind-synthetics-netns-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({ world: 'netns', stateFile: join(dir, 'state.json'), timing: TIMING, metricsIntervalMs: 0 });
    route53 = sandboxRoute53(sandbox.state.aws);
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });

  it('global-traffic: one k6 per vantage namespace, each served by its nearest region; the record TTL becomes k6 dns.ttl; an inverted health check moves us-east', async () => {
    const config = configWith({ globalTraffic: { path: '/version' } });
    const plan = buildPlan(config, { scenario: 'global-traffic', durationMs: 6000, ratePerSecond: 5, thresholds: {} });
    expect(plan.dns.ttl, 'the default follows the record').to.equal('record');
    const runDir = join(tmpdir(), `crosswind-netns-k6-${process.pid}-${Date.now()}`);
    const run = await startK6Run({ plan, runDir, signals: null });
    expect(run.sources, 'one NDJSON per vantage namespace').to.have.length(sandbox.state.vantages.length);
    const points = [];
    let invertedAt = 0;
    let first: number | undefined;
    for await (const p of run.points) {
      points.push(p);
      if (p.metric !== 'request_failed') continue;
      first ??= p.time;
      if (!invertedAt && p.time - first > 2000) {
        invertedAt = Date.now();
        void route53.send(new UpdateHealthCheckCommand({ HealthCheckId: region('us-east-1').healthCheckId, Inverted: true }));
      }
    }
    const result = await run.done;
    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: region('us-east-1').healthCheckId, Inverted: false }));
    expect(result.kind, result.stderrTail).to.equal('ok');

    const written = JSON.parse(await readFile(run.files.plan, 'utf8')) as typeof plan;
    expect(written.dns, 'the TTL the name is answered with, resolved inside the namespace').to.include({ ttl: '2s', recordTtlSeconds: 2 });

    const requests = select(points, 'request_failed');
    for (const v of sandbox.state.vantages) {
      const mine = requests.filter((p) => p.tags.vantage === v.name);
      expect(mine.length, v.name).to.be.within(20, 40);
      expect(
        mine.filter((p) => p.time < invertedAt).every((p) => p.tags.served_by === v.nearestRegion && p.value === 0),
        `${v.name} before the fault`,
      ).to.equal(true);
    }
    const east = requests.filter((p) => p.tags.vantage === 'vantage-us-east');
    expect(east.at(-1)?.tags.served_by, 'vantage-us-east at the end').to.not.equal('us-east-1');

    // The wire agrees: the name server answered each vantage's own address, and the regions saw those addresses.
    const truth = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8'));
    const answers = truth.filter(
      (e): e is Extract<GroundTruthEntry, { kind: 'dns' }> => e.kind === 'dns' && e.name === sandbox.state.route53.recordName,
    );
    for (const v of sandbox.state.vantages) {
      expect(
        answers.some((a) => a.vantage === v.name && a.source === v.address),
        `${v.name} resolved the name itself`,
      ).to.equal(true);
    }
    const served = (await readFile(region('eu-west-1').requestLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestLogLine)
      .filter((l) => l.path === '/version');
    expect(new Set(served.map((l) => l.vantage)), 'eu-west-1 served vantage-eu').to.include('vantage-eu');
    expect(served[0]?.client, 'k6 is the client').to.match(/k6/);
  });
});
