import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every `pollMs` until it holds and returns how long that took, or fails naming what it waited for. */
export async function until(what: string, check: () => Promise<boolean>, deadlineMs = 15_000, pollMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
