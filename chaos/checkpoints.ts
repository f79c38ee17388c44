import { writeSync } from 'node:fs';

/**
 * A named point in a fault sequence (`intent-written`, `applied`, `polling-experiment`, `undoing`...). Production
 * code calls it at every step where a crash would leave a different state behind; normally it does nothing.
 */
export type Checkpoint = (name: string) => void;

export const noCheckpoints: Checkpoint = () => {};

/**
 * Crash-test seam, off unless asked for: `CROSSWIND_CHECKPOINTS=1` announces each checkpoint on stderr as
 * `checkpoint <n> <name>`; `CROSSWIND_CHECKPOINT_PAUSE=<n>` also freezes the process at the n-th one (for up to
 * 60 s), so a test can SIGKILL it at exactly that point instead of racing it; `CROSSWIND_CHECKPOINT_THROW=<n>`
 * throws an error nothing catches just after the n-th one, the way a bug in a dependency would.
 */
export function checkpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Checkpoint {
  const pauseAt = Number(env.CROSSWIND_CHECKPOINT_PAUSE ?? 0);
  const throwAt = Number(env.CROSSWIND_CHECKPOINT_THROW ?? 0);
  if (env.CROSSWIND_CHECKPOINTS !== '1' && !pauseAt && !throwAt) return noCheckpoints;
  let n = 0;
  return (name) => {
    n++;
    const pausing = n === pauseAt;
    // writeSync: the line must be out before the process freezes.
    writeSync(2, `checkpoint ${n} ${name}${pausing ? ' (paused)' : throwAt === n ? ' (throwing)' : ''}\n`);
    if (pausing) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    if (n === throwAt) {
      // Thrown from a fresh task, outside every promise chain and try block: only the uncaught handler sees it.
      setImmediate(() => {
        throw new Error(`crash test: thrown after checkpoint ${n} ${name}`);
      });
    }
  };
}
