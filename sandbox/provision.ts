import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateExperimentTemplateCommand, FisClient } from '@aws-sdk/client-fis';
import {
  ChangeResourceRecordSetsCommand,
  CreateHealthCheckCommand,
  CreateHostedZoneCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { InfrastructureError } from '../core/errors.ts';
import { SANDBOX_ACTIONS } from './fis-actions.ts';
import { loadBalancerName } from './metrics-publisher.ts';
import { SANDBOX_ACCOUNT_ID, SANDBOX_CREDENTIALS } from './state.ts';

// Provisions into moto, with the same SDK calls a user's account would see: a hosted zone, one health check per
// region, latency/weighted/failover record sets, FIS experiment templates and CloudWatch alarms.

export const ZONE_NAME = 'sandbox.crosswind.test';

export interface ProvisionRegion {
  name: string;
  port: number;
  arn: string;
  /** The address the region's load balancer answers at: the A record of its target name. */
  address: string;
}

export interface ProvisionResult {
  hostedZoneId: string;
  recordName: string;
  latencyRecordName: string;
  weightedRecordName: string;
  failoverRecordName: string;
  regions: Record<
    string,
    { healthCheckId: string; target: string; experimentTemplates: Record<string, string>; alarms: { name: string; arn: string }[] }
  >;
}

function clients(motoUrl: string, region: string) {
  const common = { region, endpoint: motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 3 };
  return { route53: new Route53Client(common), fis: new FisClient(common), cloudwatch: new CloudWatchClient(common) };
}

/** The record value that names a region: the edge maps it to that region's app. */
export function regionTarget(region: string): string {
  return `${region}.regions.${ZONE_NAME}`;
}

type Clients = ReturnType<typeof clients>;

function destroy(c: Clients): void {
  c.route53.destroy();
  c.fis.destroy();
  c.cloudwatch.destroy();
}

/** One HTTP health check per region, at its app's /health. */
async function createHealthChecks(route53: Route53Client, regions: ProvisionRegion[], failureThreshold: number): Promise<string[]> {
  const created = await Promise.all(
    regions.map((r) =>
      route53.send(
        new CreateHealthCheckCommand({
          CallerReference: `crosswind-sandbox-${r.name}-${Date.now()}`,
          HealthCheckConfig: {
            Type: 'HTTP',
            IPAddress: '127.0.0.1',
            Port: r.port,
            ResourcePath: '/health',
            // Route 53 allows 10 or 30 s; the edge checks at the sandbox's scaled-down interval instead.
            RequestInterval: 10,
            FailureThreshold: failureThreshold,
          },
        }),
      ),
    ),
  );
  return created.map((c) => c.HealthCheck?.Id ?? '');
}

/**
 * Pure: the zone's record sets. The global name is a CNAME to the latency records; each region has a latency, a
 * weighted and (the first two) a failover record naming its target, and the target's A record at its address.
 */
function recordSets(
  names: Pick<ProvisionResult, 'recordName' | 'latencyRecordName' | 'weightedRecordName' | 'failoverRecordName'>,
  regions: ProvisionRegion[],
  healthCheckIds: string[],
  ttl: number,
): ResourceRecordSet[] {
  const changes: ResourceRecordSet[] = [
    { Name: names.recordName, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: names.latencyRecordName }] },
  ];
  regions.forEach((r, i) => {
    const target = regionTarget(r.name);
    const base = {
      Type: 'CNAME' as const,
      TTL: ttl,
      SetIdentifier: r.name,
      HealthCheckId: healthCheckIds[i] ?? '',
      ResourceRecords: [{ Value: target }],
    };
    changes.push({ ...base, Name: names.latencyRecordName, Region: r.name as ResourceRecordSet['Region'] });
    changes.push({ ...base, Name: names.weightedRecordName, Weight: 100 });
    if (i < 2) changes.push({ ...base, Name: names.failoverRecordName, Failover: i === 0 ? 'PRIMARY' : 'SECONDARY' });
    // The region's own name, as a load balancer's: clients that resolve the chain connect to this address.
    changes.push({ Name: target, Type: 'A', TTL: ttl, ResourceRecords: [{ Value: r.address }] });
  });
  return changes;
}

type RegionEntry = ProvisionResult['regions'][string];

/**
 * A region's alarms: 5xx of its app (in the region: the stop condition of its FIS templates) and its health check
 * (in us-east-1, where Route 53 publishes health check metrics). Returns the 5xx alarm's ARN.
 */
async function createAlarms(r: ProvisionRegion, entry: RegionEntry, regional: Clients, control: Clients): Promise<string> {
  const alarmName = `crosswind-sandbox-${r.name}-target-5xx`;
  await regional.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: alarmName,
      AlarmDescription: `5xx from the ${r.name} app: the stop condition of the sandbox's FIS templates`,
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_Target_5XX_Count',
      Dimensions: [{ Name: 'LoadBalancer', Value: loadBalancerName(r.name) }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    }),
  );
  const alarmArn = `arn:aws:cloudwatch:${r.name}:${SANDBOX_ACCOUNT_ID}:alarm:${alarmName}`;
  entry.alarms.push({ name: alarmName, arn: alarmArn });
  const healthAlarm = `crosswind-sandbox-${r.name}-health-check`;
  await control.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: healthAlarm,
      AlarmDescription: `Route 53 health check of the ${r.name} app reports unhealthy`,
      Namespace: 'AWS/Route53',
      MetricName: 'HealthCheckStatus',
      Dimensions: [{ Name: 'HealthCheckId', Value: entry.healthCheckId }],
      Statistic: 'Minimum',
      Period: 10,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    }),
  );
  entry.alarms.push({ name: healthAlarm, arn: `arn:aws:cloudwatch:us-east-1:${SANDBOX_ACCOUNT_ID}:alarm:${healthAlarm}` });
  return alarmArn;
}

/** One FIS experiment template per sandbox action, targeting the region's app, stopped by its 5xx alarm. */
async function createTemplates(r: ProvisionRegion, entry: RegionEntry, fis: FisClient, stopAlarmArn: string): Promise<void> {
  for (const action of SANDBOX_ACTIONS) {
    const template = await fis.send(
      new CreateExperimentTemplateCommand({
        clientToken: `crosswind-sandbox-${r.name}-${action.actionId}-${Date.now()}`,
        description: `${action.actionId} on the ${r.name} app`,
        roleArn: `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:role/crosswind-sandbox-fis`,
        stopConditions: [{ source: 'aws:cloudwatch:alarm', value: stopAlarmArn }],
        targets: { app: { resourceType: action.resourceType, resourceArns: [r.arn], selectionMode: 'ALL' } },
        actions: {
          fault: { actionId: action.actionId, parameters: action.defaultParameters, targets: { [action.targetKey]: 'app' } },
        },
        tags: { Name: `crosswind-sandbox-${r.name}-${action.actionId.split(':').pop()}`, 'crosswind:region': r.name },
      }),
    );
    entry.experimentTemplates[action.actionId] = template.experimentTemplate?.id ?? '';
  }
}

export async function provision(
  motoUrl: string,
  regions: ProvisionRegion[],
  opts: { failureThreshold: number; ttlSeconds: number },
): Promise<ProvisionResult> {
  const control = clients(motoUrl, 'us-east-1');
  try {
    const zone = await control.route53.send(
      new CreateHostedZoneCommand({ Name: ZONE_NAME, CallerReference: `crosswind-sandbox-${Date.now()}` }),
    );
    const hostedZoneId = (zone.HostedZone?.Id ?? '').replace(/^\/hostedzone\//, '');
    const names = {
      recordName: `app.${ZONE_NAME}`,
      latencyRecordName: `latency.app.${ZONE_NAME}`,
      weightedRecordName: `weighted.app.${ZONE_NAME}`,
      failoverRecordName: `failover.app.${ZONE_NAME}`,
    };
    const healthCheckIds = await createHealthChecks(control.route53, regions, opts.failureThreshold);
    const changes = recordSets(names, regions, healthCheckIds, Math.max(1, opts.ttlSeconds));
    await control.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: { Comment: 'crosswind sandbox', Changes: changes.map((rrs) => ({ Action: 'CREATE', ResourceRecordSet: rrs })) },
      }),
    );
    const result: ProvisionResult = { hostedZoneId, ...names, regions: {} };
    await Promise.all(
      regions.map(async (r, i) => {
        const entry: RegionEntry = {
          healthCheckId: healthCheckIds[i] ?? '',
          target: regionTarget(r.name),
          experimentTemplates: {},
          alarms: [],
        };
        result.regions[r.name] = entry;
        const regional = clients(motoUrl, r.name);
        try {
          await createTemplates(r, entry, regional.fis, await createAlarms(r, entry, regional, control));
        } finally {
          destroy(regional);
        }
      }),
    );
    return result;
  } catch (err) {
    throw new InfrastructureError(`provisioning the sandbox into moto failed: ${(err as Error).message}`, { cause: err });
  } finally {
    destroy(control);
  }
}
