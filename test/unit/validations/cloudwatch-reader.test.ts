import { CloudWatchClient, CloudWatchServiceException, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { type CloudWatchGate, gateSchema } from '../../../config/gates-schema.ts';
import { ConfigError, InfrastructureError } from '../../../core/errors.ts';
import { readCloudWatch } from '../../../validations/cloudwatch-reader.ts';

const gate = gateSchema.parse({
  kind: 'cloudwatch',
  namespace: 'AWS/DynamoDB',
  metricName: 'ReplicationLatency',
  bound: 1500,
}) as CloudWatchGate;
const window = { start: 0, end: 600_000 };

function awsError(name: string, fault: 'client' | 'server' = 'client'): CloudWatchServiceException {
  return new CloudWatchServiceException({ name, $fault: fault, $metadata: { httpStatusCode: 400 }, message: `${name} happened` });
}

// Error paths moto cannot produce: access denied, throttling that outlasts the retries, a rejected query.
describe('readCloudWatch error translation', () => {
  const cw = mockClient(CloudWatchClient);
  afterEach(() => cw.reset());
  const client = () =>
    new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });

  it('turns access denied into an infrastructure error naming the gate', async () => {
    cw.on(GetMetricDataCommand).rejects(awsError('AccessDenied'));
    const err = await readCloudWatch(client(), gate, window).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as Error).message)
      .to.contain('cloudwatch-AWS-DynamoDB-ReplicationLatency')
      .and.contain('AccessDenied');
  });

  it('turns throttling past the retries into an infrastructure error', async () => {
    cw.on(GetMetricDataCommand).rejects(awsError('Throttling'));
    expect(await readCloudWatch(client(), gate, window).catch((e: unknown) => e)).to.be.instanceOf(InfrastructureError);
  });

  it('turns a rejected query into a configuration error (exit 2)', async () => {
    cw.on(GetMetricDataCommand).rejects(awsError('InvalidParameterValueException'));
    const err = await readCloudWatch(client(), gate, window).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).exitCode).to.equal(2);
  });

  it('follows NextToken and sorts datapoints oldest first', async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        NextToken: 't',
        MetricDataResults: [{ Id: 'gate', Timestamps: [new Date(120_000)], Values: [3], StatusCode: 'PartialData' }],
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'gate', Timestamps: [new Date(60_000)], Values: [1], StatusCode: 'Complete' }] });
    const series = await readCloudWatch(client(), gate, window);
    expect(series).to.deep.include({ timestamps: [60_000, 120_000], values: [1, 3], status: 'Complete' });
    expect(cw.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).to.equal('t');
  });
});
