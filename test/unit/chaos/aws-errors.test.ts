import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { FisClient } from '@aws-sdk/client-fis';
import {
  ChangeResourceRecordSetsCommand,
  GetHealthCheckCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  Route53ServiceException,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { AccessDeniedError, ThrottledError } from '../../../chaos/aws-call.ts';
import type { ChaosClients } from '../../../chaos/clients.ts';
import { readLedger } from '../../../chaos/ledger.ts';
import { restore } from '../../../chaos/restore.ts';
import { withFaultSession } from '../../../chaos/session.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { InfrastructureError } from '../../../core/errors.ts';
import { TWO_REGIONS } from '../../support/two-regions.ts';

const config = resolveConfig({
  ...TWO_REGIONS,
  chaos: {
    weightedRecords: { hostedZoneId: 'Z1', name: 'api.shop.example.com' },
    switch: { roleArn: 'arn:aws:iam::123456789012:role/crosswind-switch' },
  },
});

function awsError(name: string, status: number, message: string) {
  return new Route53ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

const healthCheck = (inverted: boolean, disabled: boolean) => ({
  HealthCheck: {
    Id: 'hc-use1',
    CallerReference: 'x',
    HealthCheckVersion: 7,
    HealthCheckConfig: { Type: 'HTTP' as const, Inverted: inverted, Disabled: disabled, FailureThreshold: 3 },
  },
});

const records = {
  ResourceRecordSets: [
    {
      Name: 'api.shop.example.com.',
      Type: 'A' as const,
      SetIdentifier: 'use1',
      Weight: 50,
      TTL: 60,
      ResourceRecords: [{ Value: '10.0.0.1' }],
    },
    {
      Name: 'api.shop.example.com.',
      Type: 'A' as const,
      SetIdentifier: 'euw1',
      Weight: 50,
      TTL: 60,
      ResourceRecords: [{ Value: '10.0.1.1' }],
    },
  ],
  IsTruncated: false,
  MaxItems: 100,
};

describe('chaos adapters: AWS errors (aws-sdk-client-mock)', () => {
  const route53 = new Route53Client({ region: 'us-east-1' });
  const sts = new STSClient({ region: 'us-east-1' });
  const r53 = mockClient(route53);
  const stsMock = mockClient(sts);
  // The dead man's switch schedules: created and deleted as asked.
  const scheduler = new SchedulerClient({ region: 'us-east-1' });
  const schedulerMock = mockClient(scheduler);
  let root: string;
  let sleeps: number[];
  let clients: ChaosClients;

  beforeEach(() => {
    r53.reset();
    stsMock.reset();
    schedulerMock.reset();
    schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/default/x' });
    schedulerMock.on(DeleteScheduleCommand).resolves({});
    stsMock.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
    root = mkdtempSync(join(tmpdir(), 'crosswind-unit-'));
    sleeps = [];
    clients = {
      route53,
      sts,
      fis: () => new FisClient({ region: 'eu-west-1' }),
      cloudwatch: () => new CloudWatchClient({ region: 'us-east-1' }),
      s3: new S3Client({ region: 'us-east-1' }),
      ecs: () => new ECSClient({ region: 'eu-west-1' }),
      scheduler,
      retry: {
        attempts: 4,
        baseMs: 100,
        random: () => 1,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const healthy = async () => config.regions.map((r) => ({ region: r.name, healthy: true, detail: 'test' }));

  it('retries throttling with backoff and then applies the fault', async () => {
    r53.on(GetHealthCheckCommand).resolves(healthCheck(false, false));
    r53
      .on(UpdateHealthCheckCommand)
      .rejectsOnce(awsError('Throttling', 400, 'Rate exceeded'))
      .rejectsOnce(awsError('PriorRequestNotComplete', 400, 'still applying the last change'))
      .resolves({});
    await withFaultSession({ config, root, clients, readHealth: healthy, keepFaults: true }, async (s) => {
      const applied = await s.apply({ kind: 'invert-health-check', region: 'us-east-1' });
      expect(applied?.target.resources).to.deep.equal({ healthCheckId: 'hc-use1' });
    });
    const updates = r53.commandCalls(UpdateHealthCheckCommand);
    expect(updates).to.have.length(3);
    expect(updates[2]?.args[0].input).to.deep.include({ HealthCheckId: 'hc-use1', HealthCheckVersion: 7, Inverted: true, Disabled: true });
    expect(sleeps).to.deep.equal([100, 200]);
  });

  it('gives up on throttling after the retries with a typed error, and undoes the run', async () => {
    r53.on(GetHealthCheckCommand).resolves(healthCheck(false, false));
    r53.on(UpdateHealthCheckCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    let caught: unknown;
    await withFaultSession({ config, root, clients, readHealth: healthy }, (s) =>
      s.apply({ kind: 'invert-health-check', region: 'us-east-1' }),
    ).catch((err) => {
      caught = err;
    });
    expect(caught).to.be.instanceOf(ThrottledError);
    expect((caught as Error).message).to.equal('AWS kept throttling UpdateHealthCheck hc-use1 after every retry (ThrottlingException)');
    // 4 attempts to apply; undo read the health check, found it as before, wrote nothing more.
    expect(r53.commandCalls(UpdateHealthCheckCommand)).to.have.length(4);
  });

  it('AccessDenied: a clear error naming the call, then every fault of the run is restored', async () => {
    let inverted = false;
    r53.on(GetHealthCheckCommand).callsFake(async () => healthCheck(inverted, inverted));
    r53.on(UpdateHealthCheckCommand).callsFake(async (input: { Inverted?: boolean }) => {
      inverted = input.Inverted === true;
      return {};
    });
    r53.on(ListResourceRecordSetsCommand).resolves(records);
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejects(
        awsError(
          'AccessDenied',
          403,
          'User: arn:aws:iam::123456789012:user/ci is not authorized to perform: route53:ChangeResourceRecordSets',
        ),
      );
    let caught: unknown;
    const logs: string[] = [];
    await withFaultSession({ config, root, clients, readHealth: healthy, log: (l) => logs.push(l) }, async (s) => {
      await s.apply({ kind: 'invert-health-check', region: 'us-east-1' });
      expect(inverted, 'the health check inverted before the denied call').to.equal(true);
      await s.apply({ kind: 'shift-weight', region: 'eu-west-1', percent: 10 });
    }).catch((err) => {
      caught = err;
    });
    expect(caught).to.be.instanceOf(AccessDeniedError);
    expect((caught as Error).message).to.match(
      /^AWS denied ChangeResourceRecordSets api\.shop\.example\.com in Z1: the credentials in use lack the IAM permission/,
    );
    expect((caught as Error).message).to.include('not authorized to perform: route53:ChangeResourceRecordSets');
    // Then restore: the health check is back, the denied weight shift (never applied) needed no write.
    expect(inverted, 'the health check restored').to.equal(false);
    const last = r53.commandCalls(UpdateHealthCheckCommand).at(-1)?.args[0].input;
    expect(last).to.deep.include({
      HealthCheckId: 'hc-use1',
      Inverted: false,
      Disabled: false,
      FailureThreshold: 3,
      HealthCheckVersion: 7,
    });
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)).to.have.length(1);
    expect(
      logs.filter((l) => l.startsWith('error: AWS denied ChangeResourceRecordSets')),
      logs.join('\n'),
    ).to.not.be.empty;
    const [run] = (await import('../../../chaos/run-folder.ts')).listRunFolders(root);
    const entries = readLedger(run?.path as string);
    expect(entries.map((e) => e.kind)).to.deep.equal(['intent', 'applied', 'intent', 'failed', 'stop', 'undone', 'undone']);
  });

  it('AccessDenied while restoring keeps the fault open in the ledger and says so', async () => {
    r53.on(GetHealthCheckCommand).resolves(healthCheck(false, false));
    r53.on(UpdateHealthCheckCommand).resolves({});
    await withFaultSession({ config, root, clients, readHealth: healthy, keepFaults: true }, (s) =>
      s.apply({ kind: 'invert-health-check', region: 'us-east-1' }),
    );
    r53.on(GetHealthCheckCommand).resolves(healthCheck(true, true));
    r53.on(UpdateHealthCheckCommand).rejects(awsError('AccessDenied', 403, 'not authorized to perform: route53:UpdateHealthCheck'));
    const summary = await restore({ config, clients, root });
    expect(summary.undone).to.deep.equal([]);
    expect(summary.failed).to.have.length(1);
    expect(summary.failed[0]?.error).to.match(/^AWS denied UpdateHealthCheck hc-use1/);
    // Still open: a later restore (with the permission fixed) finishes it.
    r53.on(UpdateHealthCheckCommand).resolves({});
    const again = await restore({ config, clients, root });
    expect(again.undone.map((u) => u.kind)).to.deep.equal(['invert-health-check']);
    expect(again.failed).to.deep.equal([]);
  });

  it('undo re-reads and retries when the health check changed between its read and its write (HealthCheckVersionMismatch)', async () => {
    r53.on(GetHealthCheckCommand).resolves(healthCheck(false, false));
    r53.on(UpdateHealthCheckCommand).resolves({});
    await withFaultSession({ config, root, clients, readHealth: healthy, keepFaults: true }, (s) =>
      s.apply({ kind: 'invert-health-check', region: 'us-east-1' }),
    );
    r53.reset();
    r53.on(GetHealthCheckCommand).resolves(healthCheck(true, true));
    r53
      .on(UpdateHealthCheckCommand)
      .rejectsOnce(awsError('HealthCheckVersionMismatch', 409, 'version changed'))
      .resolves({});
    const summary = await restore({ config, clients, root });
    expect(summary.failed).to.deep.equal([]);
    expect(r53.commandCalls(GetHealthCheckCommand)).to.have.length(2);
    expect(r53.commandCalls(UpdateHealthCheckCommand)).to.have.length(2);
  });

  it('translates other AWS failures into InfrastructureError naming the call', async () => {
    r53.on(GetHealthCheckCommand).rejects(awsError('NoSuchHealthCheck', 404, 'No health check exists with the specified ID hc-use1'));
    const err = await withFaultSession({ config, root, clients, readHealth: healthy }, (s) =>
      s.apply({ kind: 'invert-health-check', region: 'us-east-1' }),
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as Error).message).to.equal(
      'GetHealthCheck hc-use1: not found (NoSuchHealthCheck: No health check exists with the specified ID hc-use1)',
    );
  });
});
