import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, type Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { type GroundTruthEntry, parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import type { SandboxVantageState } from '../../../sandbox/state.ts';
import { pointGlobalName, sandboxRoute53 } from '../../support/aws.ts';
import { type DigAnswer, dig } from '../../support/dig.ts';
import { until } from '../../support/until.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 3000, replicationLagMs: 300 };

describe('sandbox: the DNS server answers the hosted zone with Route 53 semantics', function () {
  this.timeout(60_000);
  let sandbox: SandboxHandle;
  let route53: Route53Client;
  let zone: string;
  const vantage = (name: string): SandboxVantageState => {
    const v = sandbox.state.vantages.find((x) => x.name === name);
    if (!v) throw new Error(`no vantage ${name}`);
    return v;
  };
  /** Queries asked so far, to hold the ground truth to each of them. */
  let asked = 0;
  /** The global name's A query as a resolver at this vantage sends it. */
  const ask = (v: SandboxVantageState, protocol: 'udp' | 'tcp' = 'udp') => {
    asked++;
    return dig(sandbox.state.route53.recordName, 'A', { server: sandbox.state.dns, from: v.resolverIp, protocol });
  };
  const regionOf = (a: DigAnswer) => a.answers.find((r) => r.type === 'CNAME' && r.data.endsWith(`.regions.${zone}`))?.data.split('.')[0];
  const pointGlobalNameAt = (target: string) => pointGlobalName(route53, sandbox.state, target, 3);

  before(async () => {
    const dir = join(tmpdir(), `crosswind-dns-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({ stateFile: join(dir, 'state.json'), timing: TIMING, metricsIntervalMs: 0 });
    route53 = sandboxRoute53(sandbox.state.aws);
    zone = sandbox.state.route53.zoneName;
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });

  it('answers each vantage by latency, the whole in-zone chain with every record TTL, over UDP and TCP alike', async () => {
    const eu = await ask(vantage('vantage-eu'));
    expect(eu.rcode).to.equal('NOERROR');
    expect(eu.authoritative, 'an authoritative answer').to.equal(true);
    expect(eu.answers.map((a) => `${a.name} ${a.type} ${a.data} ${a.ttl}`)).to.deep.equal([
      `app.${zone} CNAME latency.app.${zone} 3`,
      `latency.app.${zone} CNAME eu-west-1.regions.${zone} 3`,
      `eu-west-1.regions.${zone} A 127.0.0.1 3`,
    ]);
    expect(regionOf(await ask(vantage('vantage-us-east'))), 'vantage-us-east').to.equal('us-east-1');
    expect(regionOf(await ask(vantage('vantage-us-west'))), 'vantage-us-west').to.equal('us-west-2');
    expect(await ask(vantage('vantage-eu'), 'tcp'), 'the same answer over TCP').to.deep.equal(eu);
  });

  it('says NXDOMAIN for a name the zone lacks and refuses names outside it', async () => {
    const from = vantage('vantage-eu').resolverIp;
    expect((await dig(`nothing.${zone}`, 'A', { server: sandbox.state.dns, from })).rcode).to.equal('NXDOMAIN');
    expect((await dig('example.com', 'A', { server: sandbox.state.dns, from })).rcode).to.equal('REFUSED');
    const aaaa = await dig(sandbox.state.route53.recordName, 'AAAA', { server: sandbox.state.dns, from });
    expect(aaaa.rcode, 'AAAA: the chain and no address (NODATA)').to.equal('NOERROR');
    expect(aaaa.answers.map((a) => a.type)).to.deep.equal(['CNAME', 'CNAME']);
  });

  it('carries the TTL a record set is changed to through the SDK', async () => {
    const records = await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: sandbox.state.route53.hostedZoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'UPSERT',
              ResourceRecordSet: { Name: `eu-west-1.regions.${zone}`, Type: 'A', TTL: 17, ResourceRecords: [{ Value: '127.0.0.1' }] },
            },
          ],
        },
      }),
    );
    expect(records.ChangeInfo?.Status).to.be.a('string');
    await until('the new TTL to be answered', async () => (await ask(vantage('vantage-eu'))).answers.at(-1)?.ttl === 17, 5000);
  });

  it('answers by weight when the global name points at the weighted records', async () => {
    await pointGlobalNameAt(sandbox.state.route53.weightedRecordName);
    try {
      await until(
        'weighted answers',
        async () => (await ask(vantage('vantage-eu'))).answers[1]?.name === sandbox.state.route53.weightedRecordName,
        5000,
      );
      const counts: Record<string, number> = {};
      for (let i = 0; i < 90; i++) {
        const region = regionOf(await ask(vantage('vantage-eu'))) ?? '?';
        counts[region] = (counts[region] ?? 0) + 1;
      }
      // Equal weights (100 each): every region answers, none far from a third of 90.
      expect(Object.keys(counts).sort()).to.deep.equal(['eu-west-1', 'us-east-1', 'us-west-2']);
      for (const [region, n] of Object.entries(counts)) expect(n, region).to.be.within(12, 50);
    } finally {
      await pointGlobalNameAt(sandbox.state.route53.latencyRecordName);
    }
  });

  it('answers the failover primary, moves to the secondary when the primary health check fails, and back', async () => {
    const primary = sandbox.state.regions[0];
    if (!primary) throw new Error('no region');
    await pointGlobalNameAt(sandbox.state.route53.failoverRecordName);
    try {
      await until('the primary to be answered', async () => regionOf(await ask(vantage('vantage-eu'))) === primary.name, 5000);
      const faultAt = Date.now();
      const askedBefore = asked;
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primary.healthCheckId, Inverted: true }));
      const moved = await until(
        'the secondary to be answered',
        async () => regionOf(await ask(vantage('vantage-eu'))) === sandbox.state.regions[1]?.name,
        5000,
      );
      expect(moved, 'within the health checks failure threshold, plus a cycle').to.be.below(
        TIMING.healthIntervalMs * (TIMING.failureThreshold + 2),
      );
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primary.healthCheckId, Inverted: false }));
      await until('the primary to be answered again', async () => regionOf(await ask(vantage('vantage-eu'))) === primary.name, 5000);

      const log = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8'));
      const answers = log.filter(
        (e): e is Extract<GroundTruthEntry, { kind: 'dns' }> => e.kind === 'dns' && e.time >= faultAt && e.vantage === 'vantage-eu',
      );
      // At least as many as were asked after the fault (an answer given in the millisecond the fault was sent may count
      // too): the one that moved the vantage, the one that moved it back, and every poll between.
      expect(answers.length, 'every answer is in the ground truth').to.be.at.least(asked - askedBefore);
      const first = answers.find((a) => a.region === sandbox.state.regions[1]?.name);
      expect(first, 'the answer that moved the vantage').to.include({ vantage: 'vantage-eu', type: 'A', ttl: 3 });
      expect(first?.answer.at(-1)).to.equal(`${sandbox.state.regions[1]?.name}.regions.${zone} A 127.0.0.1`);
      const routes = log.filter((e) => e.kind === 'route' && e.time >= faultAt && 'vantage' in e && e.vantage === 'vantage-eu');
      expect(
        routes.map((r) => (r as { to: string }).to),
        'route changes learned from the answers',
      ).to.include(sandbox.state.regions[1]?.name);
    } finally {
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: primary.healthCheckId, Inverted: false }));
      await pointGlobalNameAt(sandbox.state.route53.latencyRecordName);
    }
  });
});
