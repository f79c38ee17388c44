import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { ConfigError, type ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { k6Archive } from '../../pipelines/distributed/k6-archive.ts';
import { testRunManifest } from '../../pipelines/distributed/test-run.ts';
import { buildPlan, type PlanOverrides, scenarioScript } from '../../synthetics/k6.ts';
import { SCENARIO_NAMES, type ScenarioName } from '../../synthetics/plan.ts';
import { durationFlag, intFlag, K6_OPTION, k6FromFlag } from '../flags.ts';

interface Flags {
  config?: string;
  scenario: string;
  parallelism?: string;
  name?: string;
  namespace?: string;
  duration?: string;
  rate?: string;
  vantage?: string[];
  out?: string;
  k6?: string;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes name from free text: lowercase, `-` for anything else, at most 63 characters. */
function k8sName(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

/**
 * `crosswind k6-operator`: writes a k6-operator TestRun (and the ConfigMap with the archived scenario and its run
 * plan) for load that outgrows one machine. Runner outputs are merged afterwards by `crosswind gate --results`.
 */
export function register(command: Command, io: CliIo): void {
  command
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--scenario <name>', `scenario to run (${SCENARIO_NAMES.join(', ')})`, 'global-traffic')
    .option('--parallelism <n>', 'runners (default: distributed.k6Operator.parallelism)')
    .option('--name <name>', 'TestRun and ConfigMap name (default: crosswind-<project>-<scenario>)')
    .option('--namespace <ns>', 'namespace (default: distributed.k6Operator.namespace)')
    .option('--duration <d>', 'run duration, e.g. 10m (default: the scenario config)')
    .option('--rate <n>', 'requests per second per vantage/region/pair, across all runners (default: the scenario config)')
    .option('--vantage <names...>', 'only these vantages')
    .option('-o, --out <file>', 'write the manifest here instead of standard output')
    .option(...K6_OPTION)
    .action(async (flags: Flags) => {
      const problems: ConfigProblem[] = [];
      if (!(SCENARIO_NAMES as readonly string[]).includes(flags.scenario)) {
        problems.push({ path: '--scenario', message: `expected one of ${SCENARIO_NAMES.join(', ')}, found "${flags.scenario}"` });
      }
      const parallelism = intFlag(problems, '--parallelism', flags.parallelism, 1, 1000);
      if (flags.name !== undefined && !(K8S_NAME.test(flags.name) && flags.name.length <= 63)) {
        problems.push({ path: '--name', message: `expected a Kubernetes name (lowercase letters, digits, "-"), found "${flags.name}"` });
      }
      if (flags.namespace !== undefined && !K8S_NAME.test(flags.namespace)) {
        problems.push({ path: '--namespace', message: `expected a Kubernetes namespace name, found "${flags.namespace}"` });
      }
      const durationMs = durationFlag(problems, '--duration', flags.duration);
      const rate = flags.rate === undefined ? undefined : Number(flags.rate);
      if (rate !== undefined && !(rate > 0))
        problems.push({ path: '--rate', message: `expected a positive number, found "${flags.rate}"` });
      if (problems.length) throw new ConfigError(problems);

      const { config } = await loadConfig({ path: flags.config });
      const scenario = flags.scenario as ScenarioName;
      const overrides: PlanOverrides = { scenario };
      if (durationMs !== undefined) overrides.durationMs = durationMs;
      if (rate !== undefined) overrides.ratePerSecond = rate;
      if (flags.vantage) overrides.vantages = flags.vantage;
      const plan = buildPlan(config, overrides);
      const { cloud } = config.distributed;
      if (cloud.distribution || cloud.projectID !== undefined) plan.cloud = cloud;

      const operator = {
        ...config.distributed.k6Operator,
        ...(parallelism !== undefined ? { parallelism } : {}),
        ...(flags.namespace ? { namespace: flags.namespace } : {}),
      };
      const name = flags.name ?? k8sName(`crosswind-${config.project}-${scenario}`);
      const archive = await k6Archive({ k6: await k6FromFlag(flags.k6), script: scenarioScript(scenario), plan });
      const manifest = testRunManifest({
        name,
        archive,
        plan,
        operator,
        labels: { 'crosswind.dev/project': k8sName(config.project), 'crosswind.dev/scenario': scenario },
      });
      if (flags.out) {
        await writeFile(resolve(flags.out), manifest);
        io.err(`k6-operator: TestRun ${operator.namespace}/${name}, ${operator.parallelism} runners, written to ${resolve(flags.out)}`);
      } else {
        io.out(manifest);
      }
      io.err(
        `k6-operator: kubectl apply -f <manifest>; then collect ${operator.resultsClaim}:/results/*.ndjson and run crosswind gate --results <files...> to judge the merged run`,
      );
    });
}
