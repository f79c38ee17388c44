import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetHealthCheckCommand,
  GetHostedZoneCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { startMoto } from '../../sandbox/moto.ts';
import { isListening } from '../../sandbox/ports.ts';
import { motoClients } from '../support/aws.ts';
import { useMoto } from '../support/moto.ts';

describe('moto through the AWS SDK v3 clients', function () {
  this.timeout(60_000);
  const moto = useMoto();

  it('creates a hosted zone and a health check, inverts it and reads it back', async () => {
    const { route53 } = motoClients(moto);
    const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'shop.example.com', CallerReference: `zone-${Date.now()}` }));
    const zoneId = zone.HostedZone?.Id;
    expect(zoneId).to.be.a('string');
    const readZone = await route53.send(new GetHostedZoneCommand({ Id: zoneId }));
    expect(readZone.HostedZone?.Name).to.equal('shop.example.com.');

    const created = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `hc-${Date.now()}`,
        HealthCheckConfig: {
          Type: 'HTTP',
          FullyQualifiedDomainName: 'use1.shop.example.com',
          Port: 80,
          ResourcePath: '/health',
          FailureThreshold: 3,
          RequestInterval: 10,
        },
      }),
    );
    const id = created.HealthCheck?.Id as string;
    expect(created.HealthCheck?.HealthCheckConfig?.Inverted, 'a new health check is not inverted').to.not.equal(true);

    await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: id, Inverted: true }));
    const read = await route53.send(new GetHealthCheckCommand({ HealthCheckId: id }));
    expect(read.HealthCheck?.HealthCheckConfig?.Inverted, 'inverted as read back').to.equal(true);
    expect(read.HealthCheck?.HealthCheckConfig?.FailureThreshold).to.equal(3);
    expect(read.HealthCheck?.HealthCheckConfig?.ResourcePath).to.equal('/health');
  });

  it('stores CloudWatch metric data and returns it through GetMetricData', async () => {
    const { cloudwatch } = motoClients(moto);
    const now = new Date();
    const dims = [{ Name: 'Region', Value: 'us-east-1' }];
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'Crosswind/Test',
        MetricData: [
          { MetricName: 'ErrorRate', Dimensions: dims, Value: 0.5, Unit: 'Percent', Timestamp: now },
          { MetricName: 'ErrorRate', Dimensions: dims, Value: 1.5, Unit: 'Percent', Timestamp: now },
        ],
      }),
    );
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 5 * 60_000),
        EndTime: new Date(now.getTime() + 60_000),
        MetricDataQueries: [
          {
            Id: 'errors',
            MetricStat: { Metric: { Namespace: 'Crosswind/Test', MetricName: 'ErrorRate', Dimensions: dims }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    const result = out.MetricDataResults?.find((r) => r.Id === 'errors');
    expect(result?.Values?.reduce((a, b) => a + b, 0)).to.equal(2);
  });

  it('stops the server and frees its port', async () => {
    const other = await startMoto();
    expect(await isListening(other.port), `moto listening on ${other.port}`).to.equal(true);
    await other.stop();
    expect(await isListening(other.port), `port ${other.port} free after stop`).to.equal(false);
  });
});
