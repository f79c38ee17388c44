import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../core/child-process.ts';

// Who owns a run: `ledger.lock` in the run folder names the process that is still acting on the run's faults, so
// `restore` and the dead man's switch leave them to it. A bare PID is not an identity: PIDs are reused (in a
// container, the restarted PID 1 is always alive), so the lock records the host, the PID, the process's start time
// and the boot it started in; a process is the owner only if all of them still match. A lock from another host (a
// shared folder) is trusted while its owner keeps touching it (the heartbeat).

const LOCK_FILE = 'ledger.lock';
/** How often an owner touches its lock, and how long another host waits without a touch before calling it stale. */
export const HEARTBEAT_MS = 5_000;
export const STALE_AFTER_MS = 30_000;

/** A process as the lock records it. */
export interface ProcessIdentity {
  host: string;
  pid: number;
  /** When the process started, in clock ticks since boot (`/proc/<pid>/stat` field 22); undefined off Linux. */
  startTicks?: number;
  /** The kernel's boot id: the same PID and start time in another boot is another process. */
  bootId?: string;
}

/** The live owner of a run, for messages. */
export interface RunOwner {
  host: string;
  pid: number;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Pure: the start time (clock ticks since boot) in a `/proc/<pid>/stat` line; the command name may hold spaces. */
export function startTicksOf(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at field 3 (state); the start time is field 22.
  const ticks = Number(fields[22 - 3]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/** The identity of a process on this host, as far as the system tells it. */
export function processIdentity(pid: number = process.pid): ProcessIdentity {
  const id: ProcessIdentity = { host: hostname(), pid };
  const stat = readProc(`/proc/${pid}/stat`);
  const ticks = stat === undefined ? undefined : startTicksOf(stat);
  if (ticks !== undefined) id.startTicks = ticks;
  const boot = readProc('/proc/sys/kernel/random/boot_id')?.trim();
  if (boot) id.bootId = boot;
  return id;
}

/** When a process started, in ms since the epoch, from its start ticks and the boot time (Linux's 100 ticks a second). */
function startedAtMs(pid: number): number | undefined {
  const ticks = startTicksOf(readProc(`/proc/${pid}/stat`) ?? '');
  const btime = /^btime (\d+)$/m.exec(readProc('/proc/stat') ?? '')?.[1];
  return ticks === undefined || btime === undefined ? undefined : Number(btime) * 1000 + ticks * 10;
}

/**
 * Pure given the probes: whether the process a lock names is still the one that wrote it. `self` is this process
 * (never its own foreign owner), `current(pid)` the identity of a live PID here (undefined when none runs),
 * `ageMs` how long since the lock was last touched.
 */
export function ownsLock(
  lock: ProcessIdentity,
  probe: { self: ProcessIdentity; current: (pid: number) => ProcessIdentity | undefined; ageMs: number },
): boolean {
  const { self } = probe;
  if (lock.host !== self.host) return probe.ageMs < STALE_AFTER_MS;
  if (lock.bootId !== undefined && self.bootId !== undefined && lock.bootId !== self.bootId) return false;
  if (lock.pid === self.pid && (lock.startTicks === undefined || lock.startTicks === self.startTicks)) return false;
  const now = probe.current(lock.pid);
  if (!now) return false;
  return lock.startTicks === undefined || now.startTicks === undefined || now.startTicks === lock.startTicks;
}

/**
 * Marks a run as owned by this process and keeps touching the lock (the heartbeat another host reads). Returns the
 * release function, which stops the heartbeat and removes the lock if it is still ours.
 */
export function lockRun(runDir: string, who: ProcessIdentity = processIdentity()): () => void {
  const file = join(runDir, LOCK_FILE);
  const text = `${JSON.stringify(who)}\n`;
  writeFileSync(file, text);
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // removed under us: nothing to keep alive
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    try {
      if (readFileSync(file, 'utf8') === text) rmSync(file);
    } catch {
      // already gone
    }
  };
}

/** Pure: a lock file's text as an identity; a bare PID (an older lock) has no more than that. */
export function parseLock(text: string): ProcessIdentity | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { host: hostname(), pid: Number(trimmed) };
  try {
    const v = JSON.parse(trimmed) as Partial<ProcessIdentity>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return v as ProcessIdentity;
  } catch {
    return undefined;
  }
}

/** The live process that owns a run, if any; a lock whose process is gone, or is another process now, does not count. */
export function runOwner(runDir: string): RunOwner | undefined {
  const file = join(runDir, LOCK_FILE);
  if (!existsSync(file)) return undefined;
  let lock: ProcessIdentity | undefined;
  let mtimeMs: number;
  try {
    lock = parseLock(readFileSync(file, 'utf8'));
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
  if (!lock) return undefined;
  const bare = lock.startTicks === undefined && lock.bootId === undefined;
  const owns = ownsLock(lock, {
    self: processIdentity(),
    current: (pid) => {
      if (!processAlive(pid)) return undefined;
      // A bare-PID lock: a process that started after the lock was written cannot have written it.
      if (bare && (startedAtMs(pid) ?? 0) > mtimeMs) return undefined;
      return processIdentity(pid);
    },
    ageMs: Date.now() - mtimeMs,
  });
  return owns ? { host: lock.host, pid: lock.pid } : undefined;
}
