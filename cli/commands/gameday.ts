import type { Command } from 'commander';
import { consentProblem } from '../../chaos/confirm.ts';
import { switchProblem } from '../../chaos/switch.ts';
import type { ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { TRAFFIC_SLACK_MS } from '../../pipelines/gameday-drill.ts';
import { buildGamedayPlan, gamedayProblems, renderGamedayPlan } from '../../pipelines/gameday-plan.ts';
import { describeTraffic, trafficPlan, trafficProblems, unstartedRunnerProblems } from '../../pipelines/remote/traffic-plan.ts';
import { K6_OPTION, k6FromFlag, loadWithFlagProblems, refuse } from '../flags.ts';

interface GamedayFlags {
  config?: string;
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  progress: boolean;
  k6?: string;
  strict?: boolean;
}

/** `crosswind gameday`: the drill in the config, measured as clients see it, restored, reported. */
export function register(command: Command, io: CliIo): void {
  command
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--target <region>', 'the region to take out (default: gameday.targetRegion, else the first region)')
    .option('--dry-run', 'print the drill and change nothing')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal: cron, CI, ssh host cmd, a pipe)')
    .option('--no-progress', 'no live progress line')
    .option(...K6_OPTION)
    .option('--strict', 'a steady state that does not hold before the fault fails the run (exit 1) instead of exit 4')
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
      const plan = buildGamedayPlan(config.gameday, regions, flags.target);
      // Traffic runs from the first timed phase to the end, with slack for the control-plane calls in between.
      const traffic = trafficPlan(config, { trafficMs: plan.timedMs + TRAFFIC_SLACK_MS, ratePerVantage: config.gameday.ratePerVantage });
      problems.push(...unstartedRunnerProblems(config, 'gameday'), ...trafficProblems(config, traffic, 'gameday.ratePerVantage'));
      const noSwitch = switchProblem(config);
      const forcesHealth = config.gameday.phases.some((p) => p.kind === 'inject' && p.faults.some((f) => f.kind === 'invert-health-check'));
      if (forcesHealth && noSwitch && !flags.dryRun) problems.push(noSwitch);
      const consent = consentProblem({ yes: flags.yes, dryRun: flags.dryRun });
      if (consent) problems.push(consent);
      refuse(problems, file);
      if (flags.dryRun) {
        for (const line of [...renderGamedayPlan(plan, config.gameday), ...describeTraffic(config, traffic)]) io.out(line);
        return;
      }
      const { gamedayCommand } = await import('../../pipelines/gameday.ts');
      const k6 = await k6FromFlag(flags.k6);
      await gamedayCommand({ config, plan, io, yes: flags.yes ?? false, progress: flags.progress, k6, strict: flags.strict ?? false });
    });
}
