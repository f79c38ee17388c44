import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { FisClient } from '@aws-sdk/client-fis';
import { Route53Client } from '@aws-sdk/client-route-53';
import type { MotoServer } from '../../sandbox/moto.ts';

/** moto accepts any credentials; these never leave loopback. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** Real SDK v3 clients pointed at a moto server. */
export function motoClients(moto: Pick<MotoServer, 'url'>, region = 'us-east-1') {
  const common = { region, endpoint: moto.url, credentials: MOTO_CREDENTIALS, maxAttempts: 2 };
  return {
    route53: new Route53Client(common),
    cloudwatch: new CloudWatchClient(common),
    fis: new FisClient(common),
  };
}
