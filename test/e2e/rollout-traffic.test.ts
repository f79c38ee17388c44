import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { crosswind } from '../support/cli.ts';
import { startRecordingProxy } from '../support/recording-proxy.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('rollout lowest-traffic-first, measured in CloudWatch (the CLI against the sandbox)', function () {
  this.timeout(120_000);
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
  // Requests sent to each region before planning; the load balancer metrics count them (health checks excluded).
  const sent: Record<string, number> = { 'us-east-1': 120, 'us-west-2': 5, 'eu-west-1': 40 };
  let sandbox: SandboxHandle;
  let dir: string;

  const writeConfig = (name: string, trafficMetric: unknown, aws: unknown = {}) =>
    writeFile(
      join(dir, name),
      JSON.stringify({
        project: 'shop',
        sandbox: { state: join(dir, 'state.json') },
        aws,
        regions: regions.map((r) => ({ name: r })),
        rollout: { order: 'lowest-traffic-first', trafficMetric },
      }),
    );
  let dimensions: Record<string, { LoadBalancer: string }>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-rollout-traffic-'));
    sandbox = await startSandbox({ stateFile: join(dir, 'state.json'), metricsIntervalMs: 300 });
    for (const region of sandbox.state.regions) {
      for (let i = 0; i < (sent[region.name] ?? 0); i++) await (await fetch(`${region.endpoint}/version`)).arrayBuffer();
    }
    // Two publishing intervals: every request scraped and put into moto's CloudWatch.
    await sleep(1000);
    dimensions = Object.fromEntries(sandbox.state.regions.map((r) => [r.name, { LoadBalancer: r.loadBalancer }]));
    await writeConfig('measured.json', { dimensions });
    await writeConfig('typo.json', { dimensions: { ...dimensions, 'us-west-2': { LoadBalancer: 'app/no-such-lb/0' } } });
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads each region’s RequestCount in its region and plans the least-used region first', async () => {
    const r = await crosswind(['rollout', '--version', '2.0.0', '--dry-run', '-c', 'measured.json'], { cwd: dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    for (const region of regions) {
      expect(r.stderr).to.match(
        new RegExp(`traffic ${region}: ${sent[region]} \\(AWS/ApplicationELB RequestCount \\(Sum\\) over the last 1 h`),
      );
    }
    const waves = r.stdout.split('\n').filter((l) => /^ {2}wave \d/.test(l));
    expect(waves.map((l) => l.trim().split(/\s+/)[2])).to.deep.equal(['us-west-2', 'eu-west-1', 'us-east-1']);
    expect(waves[0]).to.contain(`(traffic ${sent['us-west-2']})`);
  });

  it('counts a region whose dimensions match nothing as 0, and says which setting to check', async () => {
    const r = await crosswind(['rollout', '--version', '2.0.0', '--dry-run', '-c', 'typo.json'], { cwd: dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.contain(
      'traffic us-west-2: no datapoints of AWS/ApplicationELB RequestCount (Sum) over the last 1 h: counted as 0',
    );
    expect(r.stderr).to.contain('check rollout.trafficMetric.dimensions.us-west-2');
  });

  it('refuses a region without dimensions with exit 2 before any AWS call', async () => {
    // CloudWatch calls go through a recording proxy: none may reach it.
    const proxy = await startRecordingProxy(sandbox.state.moto.url);
    try {
      await writeConfig('missing.json', { dimensions: { 'us-east-1': dimensions['us-east-1'] } }, { endpoints: { cloudwatch: proxy.url } });
      const r = await crosswind(['rollout', '--version', '2.0.0', '--dry-run', '-c', 'missing.json'], { cwd: dir, env: QUIET });
      expect(r.code).to.equal(2);
      expect(r.stderr).to.contain(
        "rollout.trafficMetric.dimensions: expected the metric's dimensions for every region; missing: us-west-2, eu-west-1",
      );
      expect(proxy.calls).to.deep.equal([]);
    } finally {
      await proxy.stop();
    }
  });
});
