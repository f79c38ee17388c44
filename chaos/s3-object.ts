import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../core/errors.ts';
import { awsCall, type RetryPolicy } from './aws-call.ts';

// JSON objects in S3 written with conditional requests: `If-None-Match: *` creates an object only if none exists,
// `If-Match: <etag>` replaces it only if nobody replaced it since it was read. S3 applies either atomically, so two
// crosswind processes on two machines cannot both win. (The SDK generation crosswind pins predates these request
// fields, so the headers are added to the signed request; moto 5.2.5 honours both on PutObject, atomically when it
// handles one request at a time, as the sandbox runs it.)
// @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html

/** Where an object lives: `s3://bucket/key`. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** A conditional write lost: someone else created or replaced the object first. */
export class WriteConflict extends Error {}

/** Pure: `s3://bucket/key/...` as a location, or undefined when it is not one. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  return m ? { bucket: m[1] as string, key: (m[2] as string).replace(/\/+$/, '') } : undefined;
}

/** Pure: a location as `s3://bucket/key`. */
export function s3Url(l: S3Location): string {
  return `s3://${l.bucket}/${l.key}`;
}

/** Pure: a key below a location (`prefix/child`). */
export function below(l: S3Location, child: string): S3Location {
  return { bucket: l.bucket, key: `${l.key}/${child}` };
}

/** The location a config field names, or a ConfigError naming the field. */
export function s3LocationOf(url: string, path: string): S3Location {
  const l = parseS3Url(url);
  if (!l) throw new ConfigError([{ path, message: `expected s3://<bucket>/<key>, got ${JSON.stringify(url)}` }]);
  return l;
}

function conflict(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  // 412: the condition did not hold; 409: a concurrent conditional write to the same key won.
  return e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict' || status === 412 || status === 409;
}

/** Reads an object's text and its ETag; undefined when there is none. */
async function getText(s3: S3Client, at: S3Location, retry?: RetryPolicy): Promise<{ text: string; etag: string } | undefined> {
  try {
    const out = await awsCall(`s3:GetObject ${s3Url(at)}`, () => s3.send(new GetObjectCommand({ Bucket: at.bucket, Key: at.key })), retry);
    return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag ?? '' };
  } catch (err) {
    const cause = (err as { cause?: { name?: string } }).cause;
    if (cause?.name === 'NoSuchKey' || (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404)
      return undefined;
    throw err;
  }
}

/** Reads a JSON object and its ETag; undefined when there is none. */
export async function getJson<T>(s3: S3Client, at: S3Location, retry?: RetryPolicy): Promise<{ value: T; etag: string } | undefined> {
  const got = await getText(s3, at, retry);
  return got && { value: JSON.parse(got.text) as T, etag: got.etag };
}

/**
 * Writes a JSON object: unconditionally, only if none exists (`{ ifNoneMatch: true }`), or only if it still has the
 * ETag read (`{ ifMatch }`). Resolves the new ETag; rejects with WriteConflict when the condition did not hold.
 */
export async function putJson(
  s3: S3Client,
  at: S3Location,
  value: unknown,
  condition: { ifNoneMatch: true } | { ifMatch: string } | undefined,
  retry?: RetryPolicy,
): Promise<string> {
  const headers: Record<string, string> = {};
  if (condition && 'ifNoneMatch' in condition) headers['if-none-match'] = '*';
  if (condition && 'ifMatch' in condition) headers['if-match'] = condition.ifMatch;
  const body = JSON.stringify(value);
  const command = new PutObjectCommand({ Bucket: at.bucket, Key: at.key, Body: body, ContentType: 'application/json' });
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) Object.assign(request.headers, headers);
      return next(args);
    },
    { step: 'build', name: 'crosswindConditionalWrite' },
  );
  let out: PutObjectCommandOutput;
  try {
    // Throttles are retried (awsCall), never a lost condition: the caller reads again and decides again.
    out = await awsCall(`s3:PutObject ${s3Url(at)}`, () => s3.send(command), retry);
  } catch (err) {
    const cause = (err as { cause?: { $metadata?: { attempts?: number } } }).cause;
    if (!conflict(cause)) throw err;
    // Refused on a retry: the SDK sends a write again when its answer was lost (a reset connection, a timeout), and
    // the first attempt may have landed, so the retry loses to it. The object then holds exactly what was sent, and
    // every document written here carries something of its own (a token, a time): equal bytes are this write.
    if ((cause?.$metadata?.attempts ?? 1) > 1) {
      const landed = await getText(s3, at, retry);
      if (landed?.text === body) return landed.etag;
    }
    throw new WriteConflict(`${s3Url(at)} was changed by someone else`);
  }
  return out.ETag ?? '';
}

/** Every key below a prefix, in key order. */
export async function listKeys(s3: S3Client, prefix: S3Location, retry?: RetryPolicy): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await awsCall(
      `s3:ListObjectsV2 ${s3Url(prefix)}/`,
      () => s3.send(new ListObjectsV2Command({ Bucket: prefix.bucket, Prefix: `${prefix.key}/`, ContinuationToken: token })),
      retry,
    );
    for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}
