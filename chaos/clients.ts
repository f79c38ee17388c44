import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { FisClient } from '@aws-sdk/client-fis';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { STSClient } from '@aws-sdk/client-sts';
import { awsClientOptions } from '../config/aws.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import { defaultRetry, type RetryPolicy } from './aws-call.ts';

/** The AWS clients chaos uses; FIS and CloudWatch are regional, Route 53, STS and S3 are used in the control region. */
export interface ChaosClients {
  route53: Route53Client;
  sts: STSClient;
  fis(region: string): FisClient;
  cloudwatch(region: string): CloudWatchClient;
  /** S3 in the control region: the guardrail lease and the ledger when they live in S3. */
  readonly s3: S3Client;
  /** ECS, for the tasks of remote runners. */
  ecs(region: string): ECSClient;
  /** EventBridge Scheduler in the control region: the server-side dead man's switch of Route 53 faults. */
  readonly scheduler: SchedulerClient;
  /** How throttles that get past the SDK are retried. */
  retry: RetryPolicy;
}

/** One client a region, made on first use. */
function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => {
    let c = clients.get(region);
    if (!c) {
      c = make(region);
      clients.set(region, c);
    }
    return c;
  };
}

/** Real SDK v3 clients from the config; one per service and region, created on first use. */
export function chaosClients(aws: CrosswindConfig['aws']): ChaosClients {
  let s3: S3Client | undefined;
  let scheduler: SchedulerClient | undefined;
  return {
    get scheduler() {
      scheduler ??= new SchedulerClient(awsClientOptions(aws, 'scheduler'));
      return scheduler;
    },
    get s3() {
      // A custom endpoint (moto, a local S3) takes bucket names in the path, not in a host name.
      s3 ??= new S3Client({ ...awsClientOptions(aws, 's3'), forcePathStyle: aws.endpoints.s3 !== undefined });
      return s3;
    },
    route53: new Route53Client(awsClientOptions(aws, 'route53')),
    sts: new STSClient(awsClientOptions(aws, 'sts')),
    fis: perRegion((region) => new FisClient(awsClientOptions(aws, 'fis', region))),
    cloudwatch: perRegion((region) => new CloudWatchClient(awsClientOptions(aws, 'cloudwatch', region))),
    ecs: perRegion((region) => new ECSClient(awsClientOptions(aws, 'ecs', region))),
    retry: defaultRetry,
  };
}
