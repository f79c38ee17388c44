import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { FisClient } from '@aws-sdk/client-fis';
import { ChangeResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { MotoServer } from '../../sandbox/moto.ts';
import type { SandboxState } from '../../sandbox/state.ts';

/** moto accepts any credentials; these never leave loopback. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Real SDK v3 clients pointed at a moto server. */
export function motoClients(moto: Pick<MotoServer, 'url'>, region = 'us-east-1') {
  const common = { region, endpoint: moto.url, credentials: MOTO_CREDENTIALS, maxAttempts: 2 };
  return {
    route53: new Route53Client(common),
    cloudwatch: new CloudWatchClient(common),
    fis: new FisClient(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    scheduler: new SchedulerClient(common),
  };
}

/** A real Route 53 client pointed at a running sandbox's edge, with the sandbox's credentials. */
export function sandboxRoute53(aws: SandboxState['aws']): Route53Client {
  return new Route53Client({ region: 'us-east-1', endpoint: aws.endpoints.route53, credentials: { ...aws.credentials }, maxAttempts: 2 });
}

/** UPSERTs the sandbox's global name as a CNAME to one of its routed record sets (latency, weighted, failover). */
export function pointGlobalName(route53: Route53Client, state: Pick<SandboxState, 'route53'>, target: string, ttl: number) {
  return route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: state.route53.hostedZoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: { Name: state.route53.recordName, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: target }] },
          },
        ],
      },
    }),
  );
}

/** Every AWS endpoint crosswind's config names, all at `url` (moto, or a proxy in front of it): nothing reaches AWS. */
export function endpointsAt(url: string) {
  return { route53: url, fis: url, cloudwatch: url, sts: url, s3: url, scheduler: url };
}
