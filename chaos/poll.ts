import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError } from '../core/errors.ts';

export interface PollOptions {
  /** What is being waited for, for the timeout message. */
  resource: string;
  intervalMs: number;
  deadlineMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
  signal?: AbortSignal;
}

/**
 * Calls `read` until `done` accepts its result; every wait has a deadline and ends in a DeadlineError naming the
 * resource. An aborted signal ends the wait at once with the signal's reason.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  const started = now();
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (done(value)) return value;
    const waited = now() - started;
    if (waited + options.intervalMs > options.deadlineMs) throw new DeadlineError(options.resource, waited);
    await wait(options.intervalMs);
  }
}
