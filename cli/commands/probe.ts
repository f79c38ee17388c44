import type { Command } from 'commander';
import type { ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { unstartedRunnerProblems } from '../../pipelines/remote/traffic-plan.ts';
import { intFlag, K6_OPTION, k6FromFlag, loadWithFlagProblems, refuse } from '../flags.ts';

interface ProbeFlags {
  config?: string;
  cycles?: string;
  publish: boolean;
  createAlarms?: boolean;
  k6?: string;
}

/** `crosswind probe`: short k6 cycles judged by sliding-window gates, results published to CloudWatch. */
export function register(command: Command, io: CliIo): void {
  command
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--cycles <n>', 'cycles to run (default: probe.cycles; 0 runs until stopped)')
    .option('--no-publish', 'do not publish to CloudWatch')
    .option('--create-alarms', 'create one CloudWatch alarm per vantage and region on the error rate')
    .option(...K6_OPTION)
    .action(async (flags: ProbeFlags) => {
      const problems: ConfigProblem[] = [];
      const cycles = intFlag(problems, '--cycles', flags.cycles, 0);
      const { config, file } = await loadWithFlagProblems(flags.config, problems);
      problems.push(...unstartedRunnerProblems(config, 'probe', config.synthetics.globalTraffic.vantages));
      refuse(problems, file);
      const probe = {
        ...config.probe,
        cycles: cycles ?? config.probe.cycles,
        cloudwatch: {
          ...config.probe.cloudwatch,
          enabled: config.probe.cloudwatch.enabled && flags.publish,
          createAlarms: config.probe.cloudwatch.createAlarms || (flags.createAlarms ?? false),
        },
      };
      const { probeCommand } = await import('../../pipelines/probe.ts');
      await probeCommand({ config: { ...config, probe }, io, k6: await k6FromFlag(flags.k6) });
    });
}
