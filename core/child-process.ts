import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Writable } from 'node:stream';

// The one way crosswind starts a process (k6, hooks, moto, region apps, its own CLI in tests): in a process group of
// its own, with a timeout, its output collected, and bound to crosswind's life. However crosswind ends (a return, a
// crash, SIGKILL), the child and everything it started end with it:
//
// - `setpriv --pdeathsig KILL` (util-linux), when present, makes the kernel kill the child the moment its parent dies;
// - a watchdog (`sh`, one per child) holds a pipe from crosswind; the kernel closes the pipe when crosswind dies, and
//   the watchdog then kills the child's whole process group (pdeathsig reaches the child only, not what it started).
//   The watchdog also sweeps the group when the child exits normally, so nothing a hook left running survives it.

/** How a process is started; `child_process.spawn` by default, replaceable in tests. */
export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export type ChildStream = 'stdout' | 'stderr';

export interface ChildOptions {
  cwd?: string;
  /** The child's whole environment; default this process's. */
  env?: NodeJS.ProcessEnv;
  /** `pipe` gives the caller `stdin`; default `ignore`. */
  stdin?: 'ignore' | 'pipe';
  /** After this long the group gets `stopSignal`, then SIGKILL, and the outcome says `timedOut`. */
  timeoutMs?: number;
  /** What `stop()` and the timeout send first; default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** How long a stopped group has before SIGKILL; default 5 s. */
  killAfterMs?: number;
  /** Aborting stops the child, as `stop()` does. */
  signal?: AbortSignal;
  /** Every chunk of output as it arrives (a log file, a live reader). */
  onData?: (chunk: Buffer, stream: ChildStream) => void;
  /** Every complete line of output. */
  onLine?: (line: string, stream: ChildStream) => void;
  /** How many of the last lines `output` keeps; default 200. */
  keepLines?: number;
  spawn?: SpawnFn;
}

export interface ChildOutcome {
  /** Exit code, or null when a signal ended it or it never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started (not found, not executable). */
  startError?: Error;
  timedOut: boolean;
  /** `stop()` was called (or the abort signal fired) before it exited. */
  stopped: boolean;
  durationMs: number;
  /** The last `keepLines` lines of stdout and stderr, interleaved as they arrived. */
  output: string[];
}

export interface Child {
  readonly pid: number | undefined;
  /** With `stdin: 'pipe'`. */
  readonly stdin: Writable | null;
  /** Settles once the child has exited and its output is read; never rejects. */
  readonly done: Promise<ChildOutcome>;
  /** True once the child has exited (or never started). */
  readonly exited: boolean;
  /** Sends `signal` to the child's process group, then SIGKILL after `killAfterMs` if it is still there. */
  stop(signal?: NodeJS.Signals): void;
  /** Sends `signal` to the child process alone (as `kill -SIG <pid>`), nothing else. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * The watchdog's script: any line or the end of its stdin (crosswind gone, or the child done) kills the group.
 * Terminal signals are ignored: a Ctrl-C reaching the watchdog must not take the guard away.
 */
const WATCHDOG = 'trap "" INT TERM HUP; read -r _; kill -s KILL -- "-$1" 2>/dev/null; exit 0';

let setprivPath: string | null | undefined;

/** Pure: the executable `command` names, searched on `PATH` like a shell does; undefined when there is none. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = command.includes('/')
    ? [command]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, command));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

function setpriv(): string | null {
  setprivPath ??= findExecutable('setpriv', { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }) ?? null;
  return setprivPath;
}

function notFound(command: string): Error {
  return Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT', path: command });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Starts the watchdog of a child's process group; ending its stdin kills the group. */
function startWatchdog(pgid: number): ChildProcess | undefined {
  try {
    const w = nodeSpawn('sh', ['-c', WATCHDOG, 'crosswind-watchdog', String(pgid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    w.on('error', () => {});
    w.stdin?.on('error', () => {});
    w.unref();
    return w;
  } catch {
    return undefined;
  }
}

/** Splits a stream into lines, keeping the unfinished tail for the next chunk. */
function lineSplitter(emit: (line: string) => void) {
  let rest = '';
  return {
    push(chunk: Buffer) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    end() {
      if (rest) emit(rest);
      rest = '';
    },
  };
}

/**
 * Starts `command` with `args` as crosswind's child: its own process group, bound to crosswind's life (see the top
 * of this file), output collected, optionally timed out. Returns at once; `done` settles when it has exited.
 */
export function spawnChild(command: string, args: readonly string[], options: ChildOptions = {}): Child {
  const env = options.env ?? process.env;
  const started = Date.now();
  const keep = options.keepLines ?? 200;
  const output: string[] = [];
  let stopped = false;
  let timedOut = false;
  let exited = false;
  let killer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;

  const { child, startError } = start(command, args, options, env);
  const watchdog = child?.pid ? startWatchdog(child.pid) : undefined;

  const stop = (signal: NodeJS.Signals = options.stopSignal ?? 'SIGTERM') => {
    if (exited || !child) return;
    stopped = true;
    killGroup(child.pid, signal);
    killer ??= setTimeout(() => killGroup(child?.pid, 'SIGKILL'), options.killAfterMs ?? 5000);
  };
  const onAbort = () => stop();

  const done = new Promise<ChildOutcome>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      exited = true;
      clearTimeout(timer);
      clearTimeout(killer);
      options.signal?.removeEventListener('abort', onAbort);
      // The child is gone: sweep whatever it left in its group.
      watchdog?.stdin?.end();
      const outcome: ChildOutcome = { code, signal, timedOut, stopped, durationMs: Date.now() - started, output };
      if (error) outcome.startError = error;
      resolve(outcome);
    };
    if (!child) {
      finish(null, null, startError);
      return;
    }
    collectOutput(child, options, (line) => {
      output.push(line);
      if (output.length > keep) output.shift();
    });
    child.stdin?.on('error', () => {});
    child.once('error', (err) => finish(null, null, err));
    child.once('close', (code, signal) => finish(code, signal));
  });

  if (child?.pid && options.timeoutMs !== undefined) {
    timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
  }
  if (options.signal?.aborted) stop();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    get pid() {
      return child?.pid;
    },
    stdin: child?.stdin ?? null,
    done,
    get exited() {
      return exited;
    },
    stop,
    signal(signal) {
      if (!exited) child?.kill(signal);
    },
  };
}

/** Spawns the process, through `setpriv --pdeathsig KILL` when util-linux has it (not with an injected spawn). */
function start(
  command: string,
  args: readonly string[],
  options: ChildOptions,
  env: NodeJS.ProcessEnv,
): { child?: ChildProcess; startError?: Error } {
  if (options.spawn) return { child: options.spawn(command, args, spawnOptions(options, env)) };
  const exe = findExecutable(command, env);
  if (exe === undefined) return { startError: notFound(command) };
  const sp = setpriv();
  return {
    child: sp
      ? nodeSpawn(sp, ['--pdeathsig', 'KILL', '--', exe, ...args], spawnOptions(options, env))
      : nodeSpawn(exe, args, spawnOptions(options, env)),
  };
}

/** Feeds both output streams to `onData`, `onLine` and `keep` (the tail the outcome reports). */
function collectOutput(child: ChildProcess, options: ChildOptions, keep: (line: string) => void): void {
  for (const stream of ['stdout', 'stderr'] as const) {
    const lines = lineSplitter((line) => {
      keep(line);
      options.onLine?.(line, stream);
    });
    child[stream]?.on('data', (chunk: Buffer) => {
      options.onData?.(chunk, stream);
      lines.push(chunk);
    });
    child[stream]?.on('end', () => lines.end());
  }
}

function spawnOptions(options: ChildOptions, env: NodeJS.ProcessEnv): SpawnOptions {
  return {
    cwd: options.cwd,
    env,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    // A group (and session) of its own: the group can be stopped as one, and a terminal's signals reach crosswind
    // only, which decides what its children get.
    detached: true,
  };
}

/** Runs a child to its end; see {@link spawnChild}. */
export function runChild(command: string, args: readonly string[], options: ChildOptions = {}): Promise<ChildOutcome> {
  return spawnChild(command, args, options).done;
}

/** Pure: one line saying how a child ended, for error messages. */
export function describeOutcome(name: string, o: ChildOutcome): string {
  if (o.startError) return `cannot start ${name}: ${o.startError.message}`;
  if (o.timedOut) return `${name} did not finish within its timeout`;
  if (o.signal) return `${name} killed by ${o.signal}`;
  return `${name} exited with ${o.code}`;
}

/** True when a process with this id exists (signal 0 checks without signalling; EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
