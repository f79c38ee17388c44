import { createInterface } from 'node:readline/promises';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';

/** Asks a person to confirm a change; resolves true to go ahead. */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * Pure: why a command that changes AWS may not go on, or undefined. Consent comes from `--yes` or from a person at a
 * terminal; without a terminal (cron, `ssh host cmd`, a pipe, CI) nobody can answer, so the command refuses unless
 * `--yes` says so, as Terraform does without `-auto-approve`. A dry run changes nothing and needs no consent.
 * @see https://developer.hashicorp.com/terraform/cli/commands/apply#auto-approve
 */
export function consentProblem(options: { yes?: boolean; dryRun?: boolean; stdin?: { isTTY?: boolean } }): ConfigProblem | undefined {
  if (options.yes || options.dryRun || (options.stdin ?? process.stdin).isTTY) return undefined;
  return {
    path: '--yes',
    message:
      'stdin is not a terminal, so nobody can confirm the changes: pass --yes to make them without asking (or --dry-run to see them)',
  };
}

/**
 * The confirmation prompt before a change: none with `--yes`; on a terminal, a y/N question. Without a terminal
 * every confirmation is refused (exit 2): commands check {@link consentProblem} first, this is the last line.
 */
export function defaultConfirm(options: { yes?: boolean; stdin?: NodeJS.ReadStream; stderr?: NodeJS.WriteStream }): Confirm | undefined {
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  if (options.yes) return undefined;
  const problem = consentProblem({ stdin });
  if (problem) {
    return async () => {
      throw new ConfigError([problem]);
    };
  }
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
