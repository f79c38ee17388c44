import { type ChildProcess, spawn as nodeSpawn, type SpawnOptions } from 'node:child_process';

/** The environment a deploy or rollback hook sees, on top of crosswind's own. */
export interface HookEnv {
  REGION: string;
  VERSION: string;
  PREVIOUS_VERSION: string;
}

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

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
 * Runs one hook as `sh -c <command>` with REGION, VERSION and PREVIOUS_VERSION in its environment. Never throws for
 * the hook's own failure (non-zero exit, signal, timeout, command not found): the caller decides what a failed deploy
 * means. The last output lines are kept for the report.
 */
export function runHook(command: string, env: HookEnv, options: HookOptions = {}): Promise<HookResult> {
  const spawn = options.spawn ?? (nodeSpawn as SpawnFn);
  const timeoutMs = options.timeoutMs ?? 600_000;
  const started = Date.now();
  const output: string[] = [];
  const keep = (line: string) => {
    output.push(line);
    if (output.length > 200) output.shift();
    options.log?.(line);
  };
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn('sh', ['-c', command], {
        cwd: options.cwd,
        env: { ...(options.baseEnv ?? process.env), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so a timeout stops the whole hook (sh and whatever it started), not only sh.
        detached: true,
      });
    } catch (err) {
      resolve({ kind: 'failed', durationMs: 0, output, reason: `cannot start the hook: ${(err as Error).message}` });
      return;
    }
    let settled = false;
    let timedOut = false;
    const finish = (result: HookResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      resolve(result);
    };
    let killer: NodeJS.Timeout | undefined;
    const stopGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        child.kill(signal);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stopGroup('SIGTERM');
      killer = setTimeout(() => stopGroup('SIGKILL'), 3000);
    }, timeoutMs);
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (rest + chunk.toString()).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) keep(line);
      });
      stream?.on('end', () => {
        if (rest) keep(rest);
        rest = '';
      });
    }
    child.on('error', (err) =>
      finish({ kind: 'failed', durationMs: Date.now() - started, output, reason: `cannot start the hook: ${err.message}` }),
    );
    child.on('close', (code, signal) => {
      const durationMs = Date.now() - started;
      if (timedOut) finish({ kind: 'failed', durationMs, output, reason: `hook did not finish within ${timeoutMs} ms` });
      else if (code === 0) finish({ kind: 'ok', durationMs, output });
      else finish({ kind: 'failed', durationMs, output, reason: signal ? `hook killed by ${signal}` : `hook exited with ${code}` });
    });
  });
}
