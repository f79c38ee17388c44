import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { ListExperimentsCommand, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  GetHealthCheckCommand,
  ListResourceRecordSetsCommand,
} from '@aws-sdk/client-route-53';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import type { CrosswindConfigInput } from '../../config/schema.ts';
import type { MotoServer } from '../../sandbox/moto.ts';
import { endpointsAt, motoClients } from './aws.ts';

export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'] as const;
export const RECORD = 'api.shop.example.com';
export const ALARM = 'shop-errors';
/** The S3 bucket of the world's lease and ledger when a test puts them in S3. */
export const STATE_BUCKET = 'crosswind-state';

/** A multi-region setup provisioned into moto the way an AWS account would hold it, and a project folder using it. */
export interface ChaosWorld {
  dir: string;
  configFile: string;
  config: CrosswindConfigInput;
  zoneId: string;
  healthCheckIds: Record<string, string>;
  /** Everything a run may change, read back from moto. */
  snapshot(): Promise<WorldState>;
  cleanup(): void;
}

export interface WorldState {
  healthChecks: Record<string, { inverted: boolean; disabled: boolean; failureThreshold: number | undefined }>;
  weights: Record<string, number | undefined>;
  /** Experiments not in a terminal state, and templates that exist. */
  activeExperiments: string[];
  templates: string[];
  /** Dead man's switch schedules still armed (crosswind-*). */
  switches: string[];
}

export async function createChaosWorld(
  moto: Pick<MotoServer, 'url'>,
  options: { endpoint?: string; chaos?: Record<string, unknown> } = {},
): Promise<ChaosWorld> {
  const { route53, cloudwatch, s3, scheduler } = motoClients(moto);
  // A bucket for what may live in S3: the guardrail lease (chaos.lease) and the ledger (chaos.ledger).
  await s3.send(new CreateBucketCommand({ Bucket: STATE_BUCKET })).catch((err: Error) => {
    if (err.name !== 'BucketAlreadyOwnedByYou') throw err;
  });
  const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'shop.example.com', CallerReference: `zone-${tag}` }));
  const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  const healthCheckIds: Record<string, string> = {};
  for (const [i, region] of REGIONS.entries()) {
    const hc = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: `hc-${region}-${tag}`,
        HealthCheckConfig: {
          Type: 'HTTP',
          FullyQualifiedDomainName: `${region}.shop.example.com`,
          Port: 80,
          ResourcePath: '/health',
          FailureThreshold: 3 + i,
          RequestInterval: 10,
        },
      }),
    );
    healthCheckIds[region] = hc.HealthCheck?.Id as string;
  }
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: REGIONS.map((region, i) => ({
          Action: 'CREATE',
          ResourceRecordSet: {
            Name: RECORD,
            Type: 'A',
            SetIdentifier: region,
            Weight: [60, 30, 10][i],
            TTL: 60,
            ResourceRecords: [{ Value: `10.0.${i}.1` }],
            HealthCheckId: healthCheckIds[region],
          },
        })),
      },
    }),
  );
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: ALARM,
      MetricName: 'ErrorRate',
      Namespace: 'Shop',
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  const endpoint = options.endpoint ?? moto.url;
  const config: CrosswindConfigInput = {
    project: 'shop',
    aws: {
      accountIds: ['123456789012'],
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      endpoints: endpointsAt(endpoint),
    },
    regions: REGIONS.map((name) => ({ name, endpoint: 'http://127.0.0.1:9', healthCheckId: healthCheckIds[name], setIdentifier: name })),
    globalEndpoint: 'http://127.0.0.1:9',
    chaos: {
      // One region kept healthy at least (the default keeps all but one): the guardrail tests race up to that.
      minHealthyRegions: 1,
      weightedRecords: { hostedZoneId: zoneId, name: RECORD, type: 'A' },
      experiments: {
        'stop-tasks': {
          region: 'eu-west-1',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          targets: { Tasks: { resourceType: 'aws:ecs:task', resourceTags: { app: 'shop' } } },
          actions: { stop: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'Tasks' } } },
        },
        latency: {
          region: 'eu-west-1',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          targets: { Tasks: { resourceType: 'aws:ecs:task', resourceArns: ['arn:aws:ecs:eu-west-1:123456789012:task/shop/abc'] } },
          actions: {
            delay: {
              actionId: 'aws:ecs:task-network-latency',
              duration: '5m',
              parameters: { delayMilliseconds: '200' },
              targets: { Tasks: 'Tasks' },
            },
          },
        },
      },
      switch: { roleArn: 'arn:aws:iam::123456789012:role/crosswind-switch' },
      stopConditions: { alarms: [ALARM], pollInterval: '300ms' },
      poll: { experimentInterval: '50ms', experimentDeadline: '10s', stopDeadline: '10s' },
      ...options.chaos,
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'crosswind-chaos-'));
  const configFile = join(dir, 'crosswind.config.json');
  writeFileSync(configFile, JSON.stringify(config, null, 2));

  const snapshot = async (): Promise<WorldState> => {
    const healthChecks: WorldState['healthChecks'] = {};
    for (const region of REGIONS) {
      const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckIds[region] }));
      const c = hc.HealthCheck?.HealthCheckConfig;
      healthChecks[region] = { inverted: c?.Inverted === true, disabled: c?.Disabled === true, failureThreshold: c?.FailureThreshold };
    }
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const weights = Object.fromEntries(
      (records.ResourceRecordSets ?? [])
        .filter((r) => r.SetIdentifier)
        .map((r) => [r.SetIdentifier as string, r.Weight === undefined ? undefined : Number(r.Weight)]),
    );
    const fis = motoClients(moto, 'eu-west-1').fis;
    const experiments = await fis.send(new ListExperimentsCommand({}));
    const templates = await fis.send(new ListExperimentTemplatesCommand({}));
    const schedules = await scheduler.send(new ListSchedulesCommand({ NamePrefix: 'crosswind-' }));
    return {
      switches: (schedules.Schedules ?? []).map((x) => x.Name as string).sort(),
      healthChecks,
      weights,
      activeExperiments: (experiments.experiments ?? [])
        .filter((e) => !['completed', 'stopped', 'failed', 'cancelled'].includes(e.state?.status ?? ''))
        .map((e) => `${e.id} ${e.state?.status}`),
      templates: (templates.experimentTemplates ?? []).map((t) => t.id as string),
    };
  };
  return { dir, configFile, config, zoneId, healthCheckIds, snapshot, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
