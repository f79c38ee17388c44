import { readdirSync, readFileSync } from 'node:fs';
import { poll } from '../../core/poll.ts';

/**
 * The environment variable a test sets on the process it starts; every descendant inherits it. Its name must not
 * look like a secret's (no "token", "secret", ...): crosswind keeps secret-named variables out of k6's environment.
 */
export const TOKEN_VAR = 'CROSSWIND_TEST_PROCESS_MARK';

/** A token unique to one test, to find the processes it (and whatever they started) left running. */
export function processToken(): string {
  return `t${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Live processes whose environment carries `token` (zombies excluded), as `pid command`. */
export function processesWithToken(token: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${TOKEN_VAR}=${token}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // The state follows the command name in parentheses; Z is a zombie (exited, not yet reaped).
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      found.push(`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim()}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Waits until no process carries `token`, up to `withinMs`; returns those still alive then. */
export async function survivorsAfter(token: string, withinMs: number): Promise<string[]> {
  const alive = async () => processesWithToken(token);
  return (await poll(alive, (left) => left.length === 0, { resource: 'processes to end', intervalMs: 50, deadlineMs: withinMs })).value;
}
