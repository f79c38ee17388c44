import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { runChild } from '../../core/child-process.ts';
import { installedCrosswind } from './installed.ts';

export { REPO } from './repo.ts';

import { REPO } from './repo.ts';

/**
 * The `crosswind` users run: the bin link npm made when it installed the packed tarball (see installed.ts). The
 * tests run it by that path, so its `#!/usr/bin/env node` line and the link itself are part of what is tested.
 */
export const { bin: BIN, project: INSTALLED_PROJECT } = await installedCrosswind();

/** The environment a user's shell gives the bin: the Node running the tests first on PATH. */
export function userEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, ...env };
}

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
  const o = await runChild(BIN, args, {
    cwd: options.cwd ?? REPO,
    env: userEnv(options.env),
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
