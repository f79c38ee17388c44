import { spawn } from 'node:child_process';
import { copyFile, link, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

/**
 * A folder holding the Node running the tests where another user can run it: the toolchain's Node is under root's
 * home, closed to others, and the machine's own Node is older than crosswind supports. Linked (copied across file
 * systems) into the run's temporary folder, which is open to every user.
 */
async function nodeForOtherUsers(): Promise<string> {
  const dir = join(tmpdir(), 'node-for-other-users');
  const node = join(dir, 'node');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await link(process.execPath, node).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') return;
    if (err.code !== 'EXDEV') throw err;
    await copyFile(process.execPath, node);
  });
  return dir;
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
    env: options.user ? userEnv({ PATH: `${await nodeForOtherUsers()}:${process.env.PATH ?? ''}`, ...options.env }) : userEnv(options.env),
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
