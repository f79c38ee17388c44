import { setTimeout as sleep } from 'node:timers/promises';
import { type ConfigError, type CrosswindError, InfrastructureError, isCrosswindFailure } from '../core/errors.ts';

/** AWS refused the credentials' permission for a call: names the call and the resource so the fix is obvious. */
export class AccessDeniedError extends InfrastructureError {
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS denied ${operation}: the credentials in use lack the IAM permission for it (${(options?.cause as Error | undefined)?.message ?? 'AccessDenied'})`,
      options,
    );
  }
}

/** AWS kept throttling a call after every retry. */
export class ThrottledError extends InfrastructureError {}

/** A resource crosswind was told about does not exist. */
export class NotFoundError extends InfrastructureError {}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  // Route 53: another change to the same resource is still in flight; AWS says to retry.
  'PriorRequestNotComplete',
]);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'NotAuthorized', 'AuthorizationError']);
const NOT_FOUND = new Set(['NoSuchHealthCheck', 'NoSuchHostedZone', 'ResourceNotFoundException', 'ResourceNotFound']);

function errorName(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; Code?: string; code?: string };
    return e.Code ?? e.name ?? e.code ?? '';
  }
  return '';
}

export function isThrottling(err: unknown): boolean {
  if (THROTTLING.has(errorName(err))) return true;
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 429;
}

/** Translates an AWS SDK exception into crosswind's error types; `operation` says what was being done, to what. */
export function translateAwsError(err: unknown, operation: string): CrosswindError | ConfigError {
  if (isCrosswindFailure(err)) return err;
  const name = errorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const message = err instanceof Error ? err.message : String(err);
  if (ACCESS_DENIED.has(name) || status === 403) return new AccessDeniedError(operation, { cause: err });
  if (isThrottling(err)) return new ThrottledError(`AWS kept throttling ${operation} after every retry (${name})`, { cause: err });
  if (NOT_FOUND.has(name)) return new NotFoundError(`${operation}: not found (${name}: ${message})`, { cause: err });
  return new InfrastructureError(`${operation} failed: ${name ? `${name}: ` : ''}${message}`, { cause: err });
}

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  attempts: number;
  /** First backoff; doubles each retry, with full jitter. */
  baseMs: number;
  sleep: (ms: number) => Promise<unknown>;
  random: () => number;
}

export const defaultRetry: RetryPolicy = { attempts: 6, baseMs: 200, sleep: (ms) => sleep(ms), random: Math.random };

/**
 * Runs one AWS call: throttling is retried with backoff, anything else is translated into a typed error.
 *
 * The SDK already retries throttling (standard mode, `maxAttempts` from config/aws.ts), but its retry quota is
 * shared by the client and runs dry in a burst, which is exactly when a drill's undo path runs. An undo that gives
 * up on a throttle would leave a region faulted, so throttles that get past the SDK are retried here too.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
export async function awsCall<T>(operation: string, call: () => Promise<T>, retry: RetryPolicy = defaultRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (isThrottling(err) && attempt < retry.attempts) {
        await retry.sleep(Math.round(retry.random() * retry.baseMs * 2 ** (attempt - 1)));
        continue;
      }
      throw translateAwsError(err, operation);
    }
  }
}
