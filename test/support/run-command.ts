import { spawn } from 'node:child_process';

/** What a finished command left: its exit code and its stdout and stderr, interleaved as they arrived. */
export interface CommandOutcome {
  code: number | null;
  output: string;
}

/**
 * Runs `cmd` to completion with no stdin; `env` is added to this process's environment. Rejects only when the
 * command cannot be started, so a test can assert on a non-zero exit with the output as its message.
 */
export function runCommand(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
