import { type Child, spawnChild } from '../../core/child-process.ts';
import { BIN, userEnv } from './cli.ts';

/** A `crosswind` child process whose stderr can be waited on, line by line, and that can be signalled. */
export interface CliChild {
  child: Child;
  stderr(): string;
  stdout(): string;
  /** Resolves with the first stderr line matching, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliChild {
  let err = '';
  let out = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const line = err.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const child = spawnChild(BIN, args, {
    cwd: options.cwd,
    env: userEnv(options.env),
    keepLines: 0,
    onData(d, stream) {
      if (stream === 'stdout') out += d;
      else {
        err += d;
        check();
      }
    },
  });
  const exited = child.done.then((o) => ({ code: o.code, signal: o.signal }));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no stderr line matching ${pattern} in ${timeoutMs} ms:\n${err}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        check();
        void exited.then(() => {
          check();
          setTimeout(() => reject(new Error(`crosswind exited before a stderr line matching ${pattern}:\n${err}`)), 50);
        });
      });
    },
  };
}
