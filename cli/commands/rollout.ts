import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { consentProblem } from '../../chaos/confirm.ts';
import { switchProblem } from '../../chaos/switch.ts';
import { awsClientOptions } from '../../config/aws.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import type { ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { unstartedRunnerProblems } from '../../pipelines/remote/traffic-plan.ts';
import { buildRolloutPlan, renderRolloutPlan } from '../../pipelines/rollout-plan.ts';
import { type MeasuredTraffic, measureTraffic, type TrafficMetric } from '../../pipelines/rollout-traffic.ts';
import { waveProblems } from '../../pipelines/waves.ts';
import { intFlag, K6_OPTION, k6FromFlag, loadWithFlagProblems, refuse } from '../flags.ts';

interface RolloutFlags {
  config?: string;
  version: string;
  previousVersion?: string;
  fromWave?: string;
  toWave?: string;
  dryRun?: boolean;
  yes?: boolean;
  k6?: string;
  strict?: boolean;
}

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+:-]*$/;

/** Reads each region's traffic metric in that region, one CloudWatch client per region, closed afterwards. */
async function measureRegionTraffic(config: CrosswindConfig, regions: string[], metric: TrafficMetric): Promise<MeasuredTraffic> {
  const clients = new Map(regions.map((r) => [r, new CloudWatchClient(awsClientOptions(config.aws, 'cloudwatch', r))]));
  try {
    return await measureTraffic(regions, metric, (r) => clients.get(r) as CloudWatchClient);
  } finally {
    for (const c of clients.values()) c.destroy();
  }
}

/** What the config lacks for this rollout: hooks, the version to roll back to, the canary's record set and vantages. */
function configProblems(config: CrosswindConfig, flags: RolloutFlags): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!flags.dryRun && !config.rollout.hooks.deploy)
    problems.push({ path: 'rollout.hooks.deploy', message: 'required to roll out (a shell command that deploys $VERSION to $REGION)' });
  if (!flags.dryRun && !config.rollout.hooks.rollback)
    problems.push({
      path: 'rollout.hooks.rollback',
      message: 'required to roll out (a shell command that puts $PREVIOUS_VERSION back in $REGION)',
    });
  if (!flags.dryRun && !flags.previousVersion && !config.rollout.versionPath) {
    problems.push({
      path: '--previous-version',
      message: 'required when rollout.versionPath is not set (crosswind must know what to roll back to)',
    });
  }
  // Only the DNS canary's weight steps drive traffic from the vantages; the regional probes address regions directly.
  if (config.rollout.weightSteps.length > 0) {
    problems.push(...unstartedRunnerProblems(config, 'rollout', config.synthetics.globalTraffic.vantages));
  }
  const noSwitch = switchProblem(config);
  if (config.rollout.weightSteps.length > 0 && noSwitch && !flags.dryRun) problems.push(noSwitch);
  if (config.rollout.weightSteps.length > 0 && !config.chaos.weightedRecords) {
    problems.push({
      path: 'chaos.weightedRecords',
      message: 'required by rollout.weightSteps (the weighted record set the DNS canary shifts)',
    });
  }
  return problems;
}

/** `crosswind rollout --version <v>`: region by region, gated, baked, rolled back and halted on failure. */
export function register(command: Command, io: CliIo): void {
  command
    .requiredOption('--version <version>', 'the version to deploy (passed to the hooks as VERSION)')
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--previous-version <version>', 'the version to roll back to (default: read from each region before deploying)')
    .option('--from-wave <n>', 'resume at wave n (1-based); earlier waves are taken as deployed')
    .option('--to-wave <n>', 'stop, approved, after wave n (one wave a CI job: --from-wave n --to-wave n)')
    .option('--dry-run', 'print the plan and change nothing')
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal: cron, CI, ssh host cmd, a pipe)')
    .option('--strict', 'a region whose steady state does not hold before its deploy fails the run (exit 1) instead of exit 4')
    .option(...K6_OPTION)
    .action(async (flags: RolloutFlags) => {
      const problems: ConfigProblem[] = [];
      if (!VERSION.test(flags.version))
        problems.push({
          path: '--version',
          message: `expected a version of letters, digits, ".", "_", "+", ":" or "-", got ${JSON.stringify(flags.version)}`,
        });
      if (flags.previousVersion !== undefined && !VERSION.test(flags.previousVersion)) {
        problems.push({
          path: '--previous-version',
          message: `expected a version of letters, digits, ".", "_", "+", ":" or "-", got ${JSON.stringify(flags.previousVersion)}`,
        });
      }
      const fromWave = intFlag(problems, '--from-wave', flags.fromWave, 1);
      const toWave = intFlag(problems, '--to-wave', flags.toWave, 1);
      const { config, file } = await loadWithFlagProblems(flags.config, problems);
      const regions = config.regions.map((r) => r.name);
      problems.push(...waveProblems(regions, config.rollout));
      if (fromWave !== undefined && fromWave > regions.length) {
        problems.push({ path: '--from-wave', message: `expected a wave from 1 to ${regions.length}, got ${fromWave}` });
      }
      if (toWave !== undefined && (toWave > regions.length || toWave < (fromWave ?? 1))) {
        problems.push({
          path: '--to-wave',
          message: `expected a wave from ${fromWave ?? 1} (--from-wave) to ${regions.length}, got ${toWave}`,
        });
      }
      problems.push(...configProblems(config, flags));
      const consent = consentProblem({ yes: flags.yes, dryRun: flags.dryRun });
      if (consent) problems.push(consent);
      refuse(problems, file);
      let rollout = config.rollout;
      if (rollout.order === 'lowest-traffic-first' && rollout.trafficMetric) {
        const measured = await measureRegionTraffic(config, regions, rollout.trafficMetric);
        for (const line of measured.lines) io.err(line);
        rollout = { ...rollout, traffic: measured.traffic };
      }
      const plan = buildRolloutPlan(regions, rollout, flags.version, fromWave ?? 1, toWave);
      if (flags.dryRun) {
        for (const line of renderRolloutPlan(plan)) io.out(line);
        return;
      }
      const { rolloutCommand } = await import('../../pipelines/rollout.ts');
      const k6 = await k6FromFlag(flags.k6);
      const { previousVersion, yes = false, strict = false } = flags;
      await rolloutCommand({ config, plan, io, previousVersion, yes, k6, strict });
    });
}
