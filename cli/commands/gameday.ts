import type { Command } from 'commander';
import { consentProblem } from '../../chaos/confirm.ts';
import type { ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { buildGamedayPlan, gamedayProblems, renderGamedayPlan } from '../../pipelines/gameday-plan.ts';
import { loadWithFlagProblems, refuse } from '../pipeline-flags.ts';

interface GamedayFlags {
  config?: string;
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  progress: boolean;
}

/** `crosswind gameday`: the drill in the config, measured as clients see it, restored, reported. */
export function register(program: Command, io: CliIo): void {
  program
    .command('gameday')
    .description('run the game day drill: baseline traffic, inject faults, watch the failover, check survivors, restore, verify rebalance')
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--target <region>', 'the region to take out (default: gameday.targetRegion, else the first region)')
    .option('--dry-run', 'print the drill and change nothing')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal: cron, CI, ssh host cmd, a pipe)')
    .option('--no-progress', 'no live progress line')
    .action(async (flags: GamedayFlags) => {
      const problems: ConfigProblem[] = [];
      const { config, file } = await loadWithFlagProblems(flags.config, problems);
      const regions = config.regions.map((r) => r.name);
      if (flags.target !== undefined && !regions.includes(flags.target)) {
        problems.push({
          path: '--target',
          message: `expected one of the configured regions (${regions.join(', ')}), got ${JSON.stringify(flags.target)}`,
        });
      }
      problems.push(...gamedayProblems(config.gameday, regions));
      const consent = consentProblem({ yes: flags.yes, dryRun: flags.dryRun });
      if (consent) problems.push(consent);
      refuse(problems, file);
      const plan = buildGamedayPlan(config.gameday, regions, flags.target);
      if (flags.dryRun) {
        for (const line of renderGamedayPlan(plan, config.gameday)) io.out(line);
        return;
      }
      const { gamedayCommand } = await import('../../pipelines/gameday.ts');
      await gamedayCommand({ config, plan, io, yes: flags.yes ?? false, progress: flags.progress });
    });
}
