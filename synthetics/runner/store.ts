import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Where a remote run's archives, chunks and manifests are kept: a bucket, by key. */
export interface ResultStore {
  /** Writes one object whole. */
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Reads one object; undefined when there is none (yet). */
  get(key: string): Promise<Uint8Array | undefined>;
  close(): void;
}

/**
 * The store over S3, with the real SDK client: the runner's (options from the container's environment) and the
 * orchestrator's (options from the config) alike.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html
 */
export function s3ResultStore(bucket: string, options: S3ClientConfig): ResultStore {
  const s3 = new S3Client(options);
  return {
    async put(key, body, contentType) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
    async get(key) {
      try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    close: () => s3.destroy(),
  };
}

/**
 * S3 client options of a runner, from its environment as ECS or Kubernetes gives it: the region (`AWS_REGION`), the
 * credentials of its task role (the SDK's default chain), and an S3 endpoint of its own when `AWS_ENDPOINT_URL_S3`
 * names one (a VPC endpoint, the sandbox), which then takes buckets in the path.
 */
export function runnerS3Options(env: NodeJS.ProcessEnv, region?: string): S3ClientConfig {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    region: region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    maxAttempts: 5,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  };
}
