import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runChild } from '../../core/child-process.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the `crosswind` executable as a user would, in its own process. */
export async function crosswind(
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    timeoutMs?: number;
    /** Run as this user (e.g. one that cannot read a file). */
    user?: { uid: number; gid: number };
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const timeoutMs = options.timeoutMs ?? 60_000;
  const o = await runChild(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, ...options.env },
    timeoutMs,
    stopSignal: 'SIGKILL',
    keepLines: 0,
    ...(options.user ? { spawn: (cmd, argv, o) => spawn(cmd, argv, { ...o, ...options.user }) } : {}),
    onData(d, stream) {
      if (stream === 'stdout') stdout += d;
      else stderr += d;
    },
  });
  if (o.timedOut) throw new Error(`crosswind ${args.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`);
  return { code: o.code, stdout, stderr };
}
