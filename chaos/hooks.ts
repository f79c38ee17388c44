import { type SpawnFn, spawnChild } from '../core/child-process.ts';
import { InfrastructureError } from '../core/errors.ts';

export type { SpawnFn } from '../core/child-process.ts';

/** The environment a deploy or rollback hook sees, on top of crosswind's own. */
export interface HookEnv {
  REGION: string;
  VERSION: string;
  PREVIOUS_VERSION: string;
}

export interface HookOptions {
  /** Injected so tests and callers can substitute the process spawner; defaults to node's. */
  spawn?: SpawnFn;
  /** Stops the hook (SIGTERM, then SIGKILL) and reports it failed after this long. */
  timeoutMs?: number;
  /** Receives each output line of the hook, stdout and stderr alike. */
  log?: (line: string) => void;
  /** The environment the hook inherits; defaults to this process's. */
  baseEnv?: NodeJS.ProcessEnv;
  cwd?: string;
}

export type HookResult =
  | { kind: 'ok'; durationMs: number; output: string[] }
  | { kind: 'failed'; durationMs: number; output: string[]; reason: string };

/**
 * Runs one hook as `sh -c <command>` with REGION, VERSION and PREVIOUS_VERSION in its environment, in a process group
 * of its own that dies with crosswind (a timeout stops the whole hook: sh and whatever it started). Never throws for
 * the hook's own failure (non-zero exit, signal, timeout, command not found): the caller decides what a failed deploy
 * means. The last output lines are kept for the report.
 */
export async function runHook(command: string, env: HookEnv, options: HookOptions = {}): Promise<HookResult> {
  const timeoutMs = options.timeoutMs ?? 600_000;
  const o = await spawnChild('sh', ['-c', command], {
    cwd: options.cwd,
    env: { ...(options.baseEnv ?? process.env), ...env },
    timeoutMs,
    killAfterMs: 3000,
    onLine: (line) => options.log?.(line),
    ...(options.spawn ? { spawn: options.spawn } : {}),
  }).done;
  const { durationMs, output } = o;
  if (o.startError) return { kind: 'failed', durationMs, output, reason: `cannot start the hook: ${o.startError.message}` };
  if (o.timedOut) return { kind: 'failed', durationMs, output, reason: `hook did not finish within ${timeoutMs} ms` };
  if (o.code === 0) return { kind: 'ok', durationMs, output };
  return { kind: 'failed', durationMs, output, reason: o.signal ? `hook killed by ${o.signal}` : `hook exited with ${o.code}` };
}

/** A hook that failed (non-zero exit, signal, timeout, not found), with its result for the caller's own report. */
export class HookFailedError extends InfrastructureError {
  constructor(
    readonly hook: string,
    readonly result: Extract<HookResult, { kind: 'failed' }>,
  ) {
    const tail = result.output.filter((l) => l.trim() !== '').slice(-3);
    super(`${hook}: ${result.reason}${tail.length ? ` (${tail.join(' | ')})` : ''}`);
  }
}
