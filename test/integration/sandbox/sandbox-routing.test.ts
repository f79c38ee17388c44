import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetHealthCheckCommand,
  GetHealthCheckStatusCommand,
  type Route53Client,
  TestDNSAnswerCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { type GroundTruthEntry, parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { until } from '../../support/until.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };

async function servedBy(endpoint: string): Promise<{ status: number; region: string | null }> {
  const res = await fetch(`${endpoint}/health`);
  await res.arrayBuffer();
  return { status: res.status, region: res.headers.get('x-served-by') };
}

describe('sandbox: Route 53 semantics at the edge', function () {
  this.timeout(60_000);
  let sandbox: SandboxHandle;
  let route53: Route53Client;

  before(async () => {
    const dir = join(tmpdir(), `crosswind-sandbox-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({ stateFile: join(dir, 'state.json'), timing: TIMING, metricsIntervalMs: 300 });
    const { aws } = sandbox.state;
    route53 = sandboxRoute53(aws);
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });

  it('answers each vantage 200 from its nearest region, stamped with it', async () => {
    for (const v of sandbox.state.vantages) {
      const { status, region } = await servedBy(v.endpoint);
      expect(status, v.name).to.equal(200);
      expect(region, v.name).to.equal(v.nearestRegion);
    }
    expect(sandbox.state.vantages.map((v) => v.nearestRegion)).to.include.members(['us-east-1', 'us-west-2', 'eu-west-1']);
  });

  it('routes every vantage away from us-east-1 when its health check is inverted through the SDK, and back', async () => {
    const use1 = sandbox.state.regions.find((r) => r.name === 'us-east-1');
    if (!use1) throw new Error('no us-east-1');
    const budget = TIMING.healthIntervalMs * TIMING.failureThreshold + TIMING.dnsTtlMs + 1000;
    const invertedAt = Date.now();
    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: use1.healthCheckId, Inverted: true }));
    const read = await route53.send(new GetHealthCheckCommand({ HealthCheckId: use1.healthCheckId }));
    expect(read.HealthCheck?.HealthCheckConfig?.Inverted).to.equal(true);

    const allAway = async () => {
      for (const v of sandbox.state.vantages) if ((await servedBy(v.endpoint)).region === 'us-east-1') return false;
      return true;
    };
    // Generous margin on shared CI cores; the ground truth below checks the real timing.
    await until('every vantage served outside us-east-1', allAway, budget * 3);
    const status = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: use1.healthCheckId }));
    expect(status.HealthCheckObservations?.length).to.be.greaterThan(0);
    expect(status.HealthCheckObservations?.every((o) => o.StatusReport?.Status?.startsWith('Failure'))).to.equal(true);

    const eastVantage = sandbox.state.vantages.find((v) => v.nearestRegion === 'us-east-1');
    const answer = await route53.send(
      new TestDNSAnswerCommand({
        HostedZoneId: sandbox.state.route53.hostedZoneId,
        RecordName: sandbox.state.route53.recordName,
        RecordType: 'CNAME',
        ResolverIP: eastVantage?.resolverIp,
      }),
    );
    expect(answer.RecordData?.at(-1)).to.not.match(/^us-east-1\./);

    const entries = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8'));
    const health = entries.find(
      (e): e is Extract<GroundTruthEntry, { kind: 'health' }> => e.kind === 'health' && e.region === 'us-east-1' && !e.healthy,
    );
    expect(health, 'a health entry for us-east-1 going unhealthy').to.not.equal(undefined);
    expect(health?.inverted).to.equal(true);
    expect((health?.time ?? 0) - invertedAt).to.be.lessThan(TIMING.healthIntervalMs * (TIMING.failureThreshold + 2) + 2000);
    const routes = entries.filter((e): e is Extract<GroundTruthEntry, { kind: 'route' }> => e.kind === 'route' && e.from === 'us-east-1');
    expect(routes.length, 'route entries away from us-east-1').to.be.greaterThan(0);
    for (const r of routes) expect(r.time).to.be.at.least(health?.time ?? 0);

    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: use1.healthCheckId, Inverted: false }));
    await until(
      'the us-east vantage back on us-east-1',
      async () => (await servedBy(eastVantage?.endpoint ?? '')).region === 'us-east-1',
      budget * 3,
    );
    const back = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8'));
    expect(back.some((e) => e.kind === 'health' && e.region === 'us-east-1' && e.healthy)).to.equal(true);
    expect(back.some((e) => e.kind === 'route' && e.to === 'us-east-1' && e.from !== null)).to.equal(true);
  });

  it('publishes load balancer, Route 53 and replication metrics into CloudWatch as AWS names them', async () => {
    const use1 = sandbox.state.regions.find((r) => r.name === 'us-east-1');
    const euw1 = sandbox.state.regions.find((r) => r.name === 'eu-west-1');
    if (!use1 || !euw1) throw new Error('regions missing');
    const started = new Date(Date.now() - 60_000);
    for (let i = 0; i < 10; i++)
      await (await fetch(`${use1.endpoint}/api/items/m${i}`, { method: 'PUT', body: JSON.stringify({ value: i }) })).arrayBuffer();
    const { aws } = sandbox.state;
    const query = async (
      region: string,
      queries: { id: string; namespace: string; metric: string; dims: Record<string, string>; stat: string }[],
    ) => {
      const cw = new CloudWatchClient({ region, endpoint: aws.endpoints.cloudwatch, credentials: { ...aws.credentials }, maxAttempts: 2 });
      try {
        const out = await cw.send(
          new GetMetricDataCommand({
            StartTime: started,
            EndTime: new Date(Date.now() + 60_000),
            MetricDataQueries: queries.map((q) => ({
              Id: q.id,
              MetricStat: {
                Metric: {
                  Namespace: q.namespace,
                  MetricName: q.metric,
                  Dimensions: Object.entries(q.dims).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: 60,
                Stat: q.stat,
              },
            })),
          }),
        );
        return Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, (r.Values ?? []).reduce((a, b) => a + b, 0)]));
      } finally {
        cw.destroy();
      }
    };
    await until(
      'ten requests counted for the us-east-1 load balancer',
      async () =>
        (
          await query('us-east-1', [
            { id: 'req', namespace: 'AWS/ApplicationELB', metric: 'RequestCount', dims: { LoadBalancer: use1.loadBalancer }, stat: 'Sum' },
          ])
        ).req === 10,
      10_000,
    );
    await until(
      'replication latency reported for eu-west-1',
      async () =>
        ((
          await query('eu-west-1', [
            {
              id: 'lag',
              namespace: 'AWS/DynamoDB',
              metric: 'ReplicationLatency',
              dims: { TableName: sandbox.state.metrics.tableName, ReceivingRegion: 'eu-west-1' },
              stat: 'SampleCount',
            },
          ])
        ).lag ?? 0) >= 10,
      10_000,
    );
    const health = await query('us-east-1', [
      { id: 'hc', namespace: 'AWS/Route53', metric: 'HealthCheckStatus', dims: { HealthCheckId: use1.healthCheckId }, stat: 'Maximum' },
    ]);
    expect(health.hc).to.be.greaterThan(0);
  });
});
