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
    const recordName = `app.${ZONE_NAME}`;
    const latencyRecordName = `latency.app.${ZONE_NAME}`;
    const weightedRecordName = `weighted.app.${ZONE_NAME}`;
    const failoverRecordName = `failover.app.${ZONE_NAME}`;
    const result: ProvisionResult = { hostedZoneId, recordName, latencyRecordName, weightedRecordName, failoverRecordName, regions: {} };

    const healthChecks = await Promise.all(
      regions.map((r) =>
        control.route53.send(
          new CreateHealthCheckCommand({
            CallerReference: `crosswind-sandbox-${r.name}-${Date.now()}`,
            HealthCheckConfig: {
              Type: 'HTTP',
              IPAddress: '127.0.0.1',
              Port: r.port,
              ResourcePath: '/health',
              // Route 53 allows 10 or 30 s; the edge checks at the sandbox's scaled-down interval instead.
              RequestInterval: 10,
              FailureThreshold: opts.failureThreshold,
            },
          }),
        ),
      ),
    );

    const ttl = Math.max(1, opts.ttlSeconds);
    const changes: ResourceRecordSet[] = [{ Name: recordName, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: latencyRecordName }] }];
    regions.forEach((r, i) => {
      const healthCheckId = healthChecks[i]?.HealthCheck?.Id ?? '';
      const target = regionTarget(r.name);
      const base = {
        Type: 'CNAME' as const,
        TTL: ttl,
        SetIdentifier: r.name,
        HealthCheckId: healthCheckId,
        ResourceRecords: [{ Value: target }],
      };
      changes.push({ ...base, Name: latencyRecordName, Region: r.name as ResourceRecordSet['Region'] });
      changes.push({ ...base, Name: weightedRecordName, Weight: 100 });
      if (i < 2) changes.push({ ...base, Name: failoverRecordName, Failover: i === 0 ? 'PRIMARY' : 'SECONDARY' });
      // The region's own name, as a load balancer's: clients that resolve the chain connect to this address.
      changes.push({ Name: target, Type: 'A', TTL: ttl, ResourceRecords: [{ Value: r.address }] });
      result.regions[r.name] = { healthCheckId, target, experimentTemplates: {}, alarms: [] };
    });
    await control.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: { Comment: 'crosswind sandbox', Changes: changes.map((rrs) => ({ Action: 'CREATE', ResourceRecordSet: rrs })) },
      }),
    );

    await Promise.all(
      regions.map(async (r) => {
        const regional = clients(motoUrl, r.name);
        const entry = result.regions[r.name];
        if (!entry) return;
        try {
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
          // Route 53 publishes health check metrics in us-east-1 only, so the health alarm lives there.
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
          for (const action of SANDBOX_ACTIONS) {
            const template = await regional.fis.send(
              new CreateExperimentTemplateCommand({
                clientToken: `crosswind-sandbox-${r.name}-${action.actionId}-${Date.now()}`,
                description: `${action.actionId} on the ${r.name} app`,
                roleArn: `arn:aws:iam::${SANDBOX_ACCOUNT_ID}:role/crosswind-sandbox-fis`,
                stopConditions: [{ source: 'aws:cloudwatch:alarm', value: alarmArn }],
                targets: { app: { resourceType: action.resourceType, resourceArns: [r.arn], selectionMode: 'ALL' } },
                actions: {
                  fault: { actionId: action.actionId, parameters: action.defaultParameters, targets: { [action.targetKey]: 'app' } },
                },
                tags: { Name: `crosswind-sandbox-${r.name}-${action.actionId.split(':').pop()}`, 'crosswind:region': r.name },
              }),
            );
            entry.experimentTemplates[action.actionId] = template.experimentTemplate?.id ?? '';
          }
        } finally {
          regional.route53.destroy();
          regional.fis.destroy();
          regional.cloudwatch.destroy();
        }
      }),
    );
    return result;
  } catch (err) {
    throw new InfrastructureError(`provisioning the sandbox into moto failed: ${(err as Error).message}`, { cause: err });
  } finally {
    control.route53.destroy();
    control.fis.destroy();
    control.cloudwatch.destroy();
  }
}
