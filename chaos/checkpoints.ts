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
 * 60 s), so a test can SIGKILL it at exactly that point instead of racing it.
 */
export function checkpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Checkpoint {
  const pauseAt = Number(env.CROSSWIND_CHECKPOINT_PAUSE ?? 0);
  if (env.CROSSWIND_CHECKPOINTS !== '1' && !pauseAt) return noCheckpoints;
  let n = 0;
  return (name) => {
    n++;
    const pausing = n === pauseAt;
    // writeSync: the line must be out before the process freezes.
    writeSync(2, `checkpoint ${n} ${name}${pausing ? ' (paused)' : ''}\n`);
    if (pausing) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
  };
}
