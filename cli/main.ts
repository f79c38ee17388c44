import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, CrosswindError, ExitCode } from '../core/errors.ts';
import { type CliIo, processIo } from '../core/io.ts';
import { packageRoot } from '../core/package-root.ts';
import { requestedCommand } from './requested-command.ts';

/** A command module: adds its options, subcommands and action to the command main.ts created for it. */
interface CommandModule {
  register(command: Command, io: CliIo): void;
}

/**
 * Every command, in the order `--help` lists them. Only the module of the command being run is imported, so
 * `crosswind --help` loads no command and `crosswind config check` loads only the config.
 */
const COMMANDS: ReadonlyArray<{ name: string; description: string; load: () => Promise<CommandModule> }> = [
  { name: 'config', description: 'inspect the configuration', load: () => import('./commands/config-check.ts') },
  {
    name: 'sandbox',
    description: 'the local multi-region world: moto, region apps, a Route 53-semantics edge, FIS effects',
    load: () => import('./commands/sandbox.ts'),
  },
  { name: 'synthetics', description: 'synthetic traffic with k6', load: () => import('./commands/synthetics.ts') },
  {
    name: 'chaos',
    description: 'apply faults by hand through the fault ledger (undo with crosswind restore)',
    load: () => import('./commands/chaos.ts'),
  },
  {
    name: 'restore',
    description: 'undo every open fault in the ledgers by putting back the prior state; harmless with nothing open',
    load: () => import('./commands/restore.ts'),
  },
  {
    name: 'gate',
    description: 'judge k6 output (and the faults of a run) against the gates: exit 0 approve, 1 rollback, 4 inconclusive',
    load: () => import('./commands/gate.ts'),
  },
  {
    name: 'gameday',
    description: 'run the game day drill: baseline traffic, inject faults, watch the failover, check survivors, restore, verify rebalance',
    load: () => import('./commands/gameday.ts'),
  },
  {
    name: 'rollout',
    description:
      'deploy a version region by region: deploy hook, DNS weight steps, synthetic traffic, gates, bake; roll back and halt on failure',
    load: () => import('./commands/rollout.ts'),
  },
  {
    name: 'probe',
    description:
      'short k6 cycles of global traffic from every vantage, judged by sliding-window gates; results per vantage and serving region to CloudWatch',
    load: () => import('./commands/probe.ts'),
  },
  {
    name: 'report',
    description: 'write the HTML report of a run folder (.crosswind/runs/<run>): verdict, gates, per-vantage timelines',
    load: () => import('./commands/report.ts'),
  },
  {
    name: 'k6-operator',
    description: 'write a k6-operator TestRun manifest (ConfigMap with the archived scenario and plan, parallelism N)',
    load: () => import('./commands/k6-operator.ts'),
  },
  {
    name: 'runner',
    description: "run k6 on a vantage's archive and stream its NDJSON to S3 in chunks with a manifest (the remote runners' program)",
    load: () => import('./commands/runner.ts'),
  },
];

/**
 * The `crosswind` program; every command is a thin module that parses flags and calls the roles. Every command is
 * listed; the one `argv` runs (`requestedCommand`) is loaded in full.
 */
export async function buildProgram(io: CliIo = processIo, argv: readonly string[] = []): Promise<Command> {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('crosswind')
    .description('Synthetic traffic, chaos and gates for multi-region, active-active applications on AWS.')
    .version(pkg.version, '-v, --version')
    // `sandbox deploy --version V` names the app version; positional options keep the program's own -v/--version
    // (print crosswind's version) from swallowing it, and change nothing for options given after their command.
    .enablePositionalOptions()
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
  const wanted = requestedCommand(argv);
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.description);
    if (entry.name === wanted) (await entry.load()).register(command, io);
  }
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

/** Runs the CLI on `argv` (node, script, args...) and returns the exit code; never throws. */
export async function main(argv: string[] = process.argv, io: CliIo = processIo): Promise<number> {
  try {
    await (await buildProgram(io, argv.slice(2))).parseAsync(argv);
    return ExitCode.approved;
  } catch (err) {
    return exitCodeFor(err, io);
  }
}
