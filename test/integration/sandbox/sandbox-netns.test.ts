import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FisClient, StartExperimentCommand, StopExperimentCommand } from '@aws-sdk/client-fis';
import { GetHealthCheckStatusCommand, type Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { type GroundTruthEntry, parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { NETNS_ETC } from '../../../sandbox/netns.ts';
import { clearFault, setFault } from '../../../sandbox/region-app/admin-client.ts';
import type { RequestLogLine } from '../../../sandbox/region-app/public-server.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import type { SandboxVantageState } from '../../../sandbox/state.ts';
import { pointGlobalName, sandboxRoute53 } from '../../support/aws.ts';
import { type DigResult, type GetResult, inNamespace, namespaces, type TcpResult } from '../../support/netns.ts';
import { until } from '../../support/until.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 400, dnsTtlMs: 2000, replicationLagMs: 300 };

describe('sandbox (namespace world): vantages and regions are network places', function () {
  this.timeout(90_000);
  let sandbox: SandboxHandle;
  let route53: Route53Client;
  let prefix = '';
  const vantage = (name: string): SandboxVantageState & { netns: string } => {
    const v = sandbox.state.vantages.find((x) => x.name === name);
    if (!v?.netns) throw new Error(`no vantage ${name} with a namespace`);
    return v as SandboxVantageState & { netns: string };
  };
  const region = (name: string) => {
    const r = sandbox.state.regions.find((x) => x.name === name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  };
  const dig = async (v: SandboxVantageState & { netns: string }, protocol: 'udp' | 'tcp' = 'udp') =>
    (
      await inNamespace<DigResult>(v.netns, [{ op: 'dig', name: sandbox.state.route53.recordName, server: sandbox.state.dns, protocol }])
    )[0];
  const regionAnswered = (d: DigResult | undefined) => d?.answers?.find((a) => a.type === 'A')?.data;

  before(async () => {
    const dir = join(tmpdir(), `crosswind-netns-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({
      world: 'netns',
      stateFile: join(dir, 'state.json'),
      timing: TIMING,
      fisPollMs: 100,
      metricsIntervalMs: 0,
    });
    route53 = sandboxRoute53(sandbox.state.aws);
    prefix = `cw${sandbox.state.network?.id}`;
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });

  it('gives every vantage and region a namespace of its own, and each vantage a resolv.conf naming the sandbox name server', async () => {
    expect(sandbox.state.world).to.equal('netns');
    const made = (await namespaces()).filter((n) => n.startsWith(prefix));
    expect(made.sort()).to.deep.equal([...(sandbox.state.network?.namespaces ?? [])].sort());
    expect(made, 'a hub, a checker, 3 regions, 4 vantages').to.have.length(9);
    for (const v of sandbox.state.vantages) {
      expect(v.netns, v.name).to.match(new RegExp(`^${prefix}`));
      expect((v.netns ?? '').length, 'interface-name limit').to.be.at.most(15);
      expect(await readFile(join(NETNS_ETC, v.netns ?? '', 'resolv.conf'), 'utf8')).to.contain(`nameserver ${sandbox.state.dns.host}`);
    }
  });

  it('answers a dig from each vantage by latency, with the record TTL, and the vantage reaches that region straight at its address', async () => {
    for (const [name, nearest] of [
      ['vantage-us-east', 'us-east-1'],
      ['vantage-us-west', 'us-west-2'],
      ['vantage-eu', 'eu-west-1'],
    ] as const) {
      const v = vantage(name);
      const [answer, tcpAnswer, get] = await inNamespace<DigResult & GetResult>(v.netns, [
        { op: 'dig', name: sandbox.state.route53.recordName, server: sandbox.state.dns },
        { op: 'dig', name: sandbox.state.route53.recordName, server: sandbox.state.dns, protocol: 'tcp' },
        { op: 'get', url: `${v.endpoint}/version` },
      ]);
      expect(regionAnswered(answer), name).to.equal(region(nearest).address);
      expect(
        answer?.answers?.map((a) => a.ttl),
        'every record carries its TTL (2000 ms rounded up to 2 s)',
      ).to.deep.equal([2, 2, 2]);
      expect(tcpAnswer, 'the same answer over TCP').to.deep.equal(answer);
      // The vantage's own resolver (resolv.conf) found the region; the region added this vantage's latency to it.
      expect(get, name).to.include({ status: 200, servedBy: nearest });
      expect(get?.ms, 'at least the one-way latency the region app adds').to.be.at.least(v.latencyMs[nearest] ?? 0);
    }
    const log = (await readFile(region('eu-west-1').requestLog, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RequestLogLine);
    const fromEu = log.find((l) => l.path === '/version');
    expect(fromEu, 'the region logs which vantage address reached it').to.include({
      vantage: 'vantage-eu',
      source: vantage('vantage-eu').address,
    });
  });

  it('answers by weight and by failover, and moves when a health check fails', async () => {
    const v = vantage('vantage-eu');
    await pointGlobalName(route53, sandbox.state, sandbox.state.route53.weightedRecordName, 2);
    try {
      await until('weighted answers', async () => (await dig(v))?.answers?.[1]?.name === sandbox.state.route53.weightedRecordName, 5000);
      const answers = await inNamespace<DigResult>(
        v.netns,
        Array.from({ length: 60 }, () => ({ op: 'dig' as const, name: sandbox.state.route53.recordName, server: sandbox.state.dns })),
      );
      const seen = new Set(answers.map(regionAnswered));
      expect([...seen].sort(), 'equal weights: every region answers').to.deep.equal(sandbox.state.regions.map((r) => r.address).sort());

      await pointGlobalName(route53, sandbox.state, sandbox.state.route53.failoverRecordName, 2);
      const primary = region('us-east-1');
      await until('the failover primary', async () => regionAnswered(await dig(v)) === primary.address, 5000);
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primary.healthCheckId, Inverted: true }));
      await until('the secondary', async () => regionAnswered(await dig(v)) === region('us-west-2').address, 5000);
    } finally {
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: region('us-east-1').healthCheckId, Inverted: false }));
      await pointGlobalName(route53, sandbox.state, sandbox.state.route53.latencyRecordName, 2);
    }
    await until('latency answers again', async () => regionAnswered(await dig(v)) === region('eu-west-1').address, 5000);
  });

  it('aws:network:disrupt-connectivity drops packets to the region: connect timeouts for clients and health checkers alike; StopExperiment undoes exactly that', async () => {
    const eu = region('eu-west-1');
    const v = vantage('vantage-eu');
    const fis = new FisClient({
      region: 'eu-west-1',
      endpoint: sandbox.state.aws.endpoints.fis,
      credentials: { ...sandbox.state.aws.credentials },
      maxAttempts: 2,
    });
    try {
      const started = await fis.send(
        new StartExperimentCommand({ experimentTemplateId: eu.experimentTemplates['aws:network:disrupt-connectivity'] }),
      );
      await until(
        'a connect to eu-west-1 to time out',
        async () =>
          (await inNamespace<TcpResult>(v.netns, [{ op: 'tcp', host: eu.address, port: 80, timeoutMs: 800 }]))[0]?.error === 'timeout',
        5000,
      );
      await until(
        'Route 53 to read eu-west-1 unhealthy, timed out',
        async () => {
          const s = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: eu.healthCheckId }));
          return /^Failure: Timed out/.test(s.HealthCheckObservations?.[0]?.StatusReport?.Status ?? '');
        },
        5000,
      );
      await until('vantage-eu to be answered another region', async () => regionAnswered(await dig(v)) !== eu.address, 5000);
      const { stdout } = await promisify(execFile)('ip', ['-n', sandbox.state.network?.hub ?? '', 'route', 'show', 'type', 'blackhole']);
      expect(stdout.trim(), 'one blackhole route, for the region address').to.equal(`blackhole ${eu.address}`);

      await fis.send(new StopExperimentCommand({ id: started.experiment?.id }));
      const [connect] = await inNamespace<TcpResult>(v.netns, [{ op: 'tcp', host: eu.address, port: 80 }]);
      expect(connect, 'reachable again as soon as StopExperiment returns').to.include({ connected: true });
      const after = await promisify(execFile)('ip', ['-n', sandbox.state.network?.hub ?? '', 'route', 'show', 'type', 'blackhole']);
      expect(after.stdout.trim(), 'no route left behind').to.equal('');
      await until('vantage-eu back on eu-west-1', async () => regionAnswered(await dig(v)) === eu.address, 5000);
    } finally {
      fis.destroy();
    }
  });

  it('aws:ecs:stop-task refuses connections, and the health checkers see the refusal', async () => {
    const usw2 = region('us-west-2');
    const v = vantage('vantage-us-west');
    await setFault(usw2.adminUrl, 'test-stop', { stopped: true });
    try {
      const [connect] = await inNamespace<TcpResult>(v.netns, [{ op: 'tcp', host: usw2.address, port: 80 }]);
      expect(connect?.error).to.equal('ECONNREFUSED');
      await until(
        'Route 53 to read us-west-2 refused',
        async () => {
          const s = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: usw2.healthCheckId }));
          return /^Failure: Connection refused/.test(s.HealthCheckObservations?.[0]?.StatusReport?.Status ?? '');
        },
        5000,
      );
    } finally {
      await clearFault(usw2.adminUrl, 'test-stop');
    }
    expect((await inNamespace<TcpResult>(v.netns, [{ op: 'tcp', host: usw2.address, port: 80 }]))[0]).to.include({ connected: true });
    const log = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8'));
    const dnsAnswers = log.filter((e): e is Extract<GroundTruthEntry, { kind: 'dns' }> => e.kind === 'dns');
    expect(dnsAnswers.some((a) => a.vantage === 'vantage-us-west' && a.source === v.address)).to.equal(true);
  });

  it('removes every namespace, resolv.conf and socket it made when stopped', async () => {
    const made = sandbox.state.network?.namespaces ?? [];
    await sandbox.stop();
    expect((await namespaces()).filter((n) => n.startsWith(prefix))).to.deep.equal([]);
    for (const n of made) expect(existsSync(join(NETNS_ETC, n)), n).to.equal(false);
    expect(existsSync(sandbox.state.regions[0]?.adminUrl.replace(/^unix:/, '') ?? ''), 'admin socket').to.equal(false);
  });
});
