import { runChild } from '../../core/child-process.ts';

/** What a finished command left: its exit code and its stdout and stderr, interleaved as they arrived. */
export interface CommandOutcome {
  code: number | null;
  output: string;
}

/**
 * Runs `cmd` to completion with no stdin; `env` is added to this process's environment. Rejects only when the
 * command cannot be started, so a test can assert on a non-zero exit with the output as its message.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandOutcome> {
  let output = '';
  const o = await runChild(cmd, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    keepLines: 0,
    onData: (d) => {
      output += d;
    },
  });
  if (o.startError) throw o.startError;
  return { code: o.code, output };
}
