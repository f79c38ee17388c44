import type { CrosswindConfig } from './schema.ts';

export type AwsService = keyof CrosswindConfig['aws']['endpoints'];

/** What every SDK v3 client constructor takes from crosswind's config. */
export interface AwsClientOptions {
  region: string;
  endpoint?: string;
  profile?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
  /** S3 at an endpoint of one's own (moto, a gateway) takes the bucket in the path, not in the host name. */
  forcePathStyle?: boolean;
}

/**
 * Options for one service's SDK client. The same client code talks to AWS, to moto and to the sandbox: only the
 * endpoint and the credentials differ. Route 53 is a global API served from the control region.
 * @see https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/configuring-the-jssdk.html
 */
export function awsClientOptions(aws: CrosswindConfig['aws'], service: AwsService, region?: string): AwsClientOptions {
  const options: AwsClientOptions = {
    region: service === 'route53' ? aws.controlRegion : (region ?? aws.controlRegion),
    // Throttling is retried by the SDK's standard retry strategy; a few more attempts ride out a busy control plane.
    maxAttempts: 5,
  };
  const endpoint = aws.endpoints[service];
  if (endpoint) options.endpoint = endpoint;
  if (endpoint && service === 's3') options.forcePathStyle = true;
  if (aws.profile) options.profile = aws.profile;
  if (aws.credentials) options.credentials = aws.credentials;
  return options;
}
