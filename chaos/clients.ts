import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { FisClient } from '@aws-sdk/client-fis';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
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
  /** How throttles that get past the SDK are retried. */
  retry: RetryPolicy;
}

/** Real SDK v3 clients from the config; one per service and region, created on first use. */
export function chaosClients(aws: CrosswindConfig['aws']): ChaosClients {
  const fis = new Map<string, FisClient>();
  const cloudwatch = new Map<string, CloudWatchClient>();
  let s3: S3Client | undefined;
  const ecs = new Map<string, ECSClient>();
  return {
    get s3() {
      // A custom endpoint (moto, a local S3) takes bucket names in the path, not in a host name.
      s3 ??= new S3Client({ ...awsClientOptions(aws, 's3'), forcePathStyle: aws.endpoints.s3 !== undefined });
      return s3;
    },
    route53: new Route53Client(awsClientOptions(aws, 'route53')),
    sts: new STSClient(awsClientOptions(aws, 'sts')),
    fis(region) {
      let c = fis.get(region);
      if (!c) {
        c = new FisClient(awsClientOptions(aws, 'fis', region));
        fis.set(region, c);
      }
      return c;
    },
    cloudwatch(region) {
      let c = cloudwatch.get(region);
      if (!c) {
        c = new CloudWatchClient(awsClientOptions(aws, 'cloudwatch', region));
        cloudwatch.set(region, c);
      }
      return c;
    },
    ecs(region) {
      let c = ecs.get(region);
      if (!c) {
        c = new ECSClient(awsClientOptions(aws, 'ecs', region));
        ecs.set(region, c);
      }
      return c;
    },
    retry: defaultRetry,
  };
}
