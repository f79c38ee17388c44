import { createInterface } from 'node:readline/promises';

/** Asks a person to confirm a change; resolves true to go ahead. */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * The confirmation prompt before a fault, or none: skipped with `--yes`, in CI (`CI=true`), or when stdin is not a
 * terminal (nobody there to answer; a pipeline passes its own decision).
 */
export function defaultConfirm(options: {
  yes?: boolean;
  env?: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}): Confirm | undefined {
  const env = options.env ?? process.env;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  if (options.yes || env.CI === 'true' || env.CI === '1' || !stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: stdin, output: stderr });
    try {
      return await new Promise<boolean>((resolve) => {
        // Ctrl-C at the prompt reaches readline as a key, not as a signal: treat it as "no".
        rl.once('SIGINT', () => resolve(false));
        rl.once('close', () => resolve(false));
        rl.question(`${question}\nApply? [y/N] `).then(
          (answer) => resolve(/^y(es)?$/i.test(answer.trim())),
          () => resolve(false),
        );
      });
    } finally {
      rl.close();
    }
  };
}
