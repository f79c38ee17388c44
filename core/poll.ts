import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError } from './errors.ts';

export interface PollOptions {
  /** What is being waited for, for the timeout message. */
  resource: string;
  intervalMs: number;
  deadlineMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
  signal?: AbortSignal;
}

/** Where a poll ended: the last value read, whether `done` accepted it, and how long it took. */
export interface Polled<T> {
  value: T;
  met: boolean;
  waitedMs: number;
}

/**
 * The one polling loop: calls `read` until `done` accepts its result, or until the next wait would pass the
 * deadline, and says which. For waits whose end is an answer either way (what is still running when time is up);
 * `pollUntil` is the same loop for waits that must end. An aborted signal ends it at once with the signal's reason.
 */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions): Promise<Polled<T>> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms: number) => sleep(ms));
  const started = now();
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    const waitedMs = now() - started;
    if (done(value)) return { value, met: true, waitedMs };
    if (waitedMs + options.intervalMs > options.deadlineMs) return { value, met: false, waitedMs };
    await wait(options.intervalMs);
  }
}

/**
 * Calls `read` until `done` accepts its result; every wait has a deadline and ends in a DeadlineError naming the
 * resource. An aborted signal ends the wait at once with the signal's reason.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, options: PollOptions): Promise<T> {
  const polled = await poll(read, done, options);
  if (!polled.met) throw new DeadlineError(options.resource, polled.waitedMs);
  return polled.value;
}
