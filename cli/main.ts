import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, CrosswindError, ExitCode } from '../core/errors.ts';
import { type CliIo, processIo } from '../core/io.ts';
import * as chaos from './commands/chaos.ts';
import * as configCheck from './commands/config-check.ts';
import * as gameday from './commands/gameday.ts';
import * as gate from './commands/gate.ts';
import * as k6Operator from './commands/k6-operator.ts';
import * as probe from './commands/probe.ts';
import * as report from './commands/report.ts';
import * as restore from './commands/restore.ts';
import * as rollout from './commands/rollout.ts';
import * as sandbox from './commands/sandbox.ts';
import * as synthetics from './commands/synthetics.ts';

/** Every command module, in the order `--help` lists them. */
const COMMANDS = [configCheck, sandbox, synthetics, chaos, restore, gate, gameday, rollout, probe, report, k6Operator];

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `crosswind` program; every command is a thin module that parses flags and calls the roles. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('crosswind')
    .description('Synthetic traffic, chaos and gates for multi-region, active-active applications on AWS.')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError('(run crosswind --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .addHelpText(
      'after',
      `
Exit codes:
  0  approved / success        1  rolled back, or a gate failed
  2  bad configuration/usage   3  infrastructure error
  4  inconclusive`,
    );
  for (const command of COMMANDS) command.register(program, io);
  return program;
}

/** Problems printed for one bad config; the rest are counted, so a huge bad file cannot flood the terminal. */
export const MAX_PROBLEMS = 50;

/** Maps anything thrown to the exit-code table; the only place that decides how crosswind exits. */
export function exitCodeFor(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // Help and version are successful exits; every other parse failure is bad usage.
    return err.exitCode === 0 ? ExitCode.approved : ExitCode.usage;
  }
  if (err instanceof ConfigError) {
    for (const p of err.problems.slice(0, MAX_PROBLEMS)) io.err(`error: ${p.path ? `${p.path}: ` : ''}${p.message}`);
    const more = err.problems.length - MAX_PROBLEMS;
    if (more > 0) io.err(`error: ... and ${more} more problem${more === 1 ? '' : 's'} (${err.problems.length} in all)`);
    if (err.source) io.err(`(in ${err.source})`);
    return err.exitCode;
  }
  if (err instanceof CrosswindError) {
    io.err(`error: ${err.message}`);
    return err.exitCode;
  }
  io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.CROSSWIND_DEBUG && err instanceof Error) io.err(err.stack ?? '');
  return ExitCode.infrastructure;
}

export async function main(argv: string[] = process.argv, io: CliIo = processIo): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv);
    return ExitCode.approved;
  } catch (err) {
    return exitCodeFor(err, io);
  }
}

if (process.argv[1] && /[\\/](bin\.mjs|main\.ts)$/.test(process.argv[1])) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = exitCodeFor(err, processIo);
    },
  );
}
