import { pollUntil } from '../../core/poll.ts';

/**
 * The tests' shorthand for core's `pollUntil` (the one polling loop) when the question is yes or no: asks `check`
 * every `pollMs` until it holds and returns how long that took, or fails with a DeadlineError naming what it waited
 * for. A check that throws ends the wait with its error (a process that exited, a server that answered wrongly).
 */
export async function until(what: string, check: () => Promise<boolean>, deadlineMs = 15_000, pollMs = 50): Promise<number> {
  const started = Date.now();
  await pollUntil(check, (holds) => holds, { resource: what, intervalMs: pollMs, deadlineMs });
  return Date.now() - started;
}
