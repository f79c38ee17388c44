import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { ConfigError, type ConfigProblem, CrosswindError, ExitCode, InfrastructureError } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import type { K6Point } from '../../core/k6-output.ts';
import { unstartedRunnerProblems } from '../../pipelines/remote/traffic-plan.ts';
import { buildPlan, type K6RunResult, type PlanOverrides, startK6Run } from '../../synthetics/k6.ts';
import { SCENARIO_NAMES, type ScenarioName } from '../../synthetics/plan.ts';
import { durationFlag, K6_OPTION, k6FromFlag } from '../flags.ts';

interface RunFlags {
  config?: string;
  duration?: string;
  rate?: string;
  vantage?: string[];
  region?: string[];
  runDir?: string;
  k6?: string;
}

/** `YYYYMMDD-HHMMSS` in UTC, the run folder's prefix. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Flags to plan overrides; every bad flag reported at once, before the config is read. */
export function parseRunFlags(scenario: string, flags: RunFlags): PlanOverrides {
  const problems: ConfigProblem[] = [];
  if (!SCENARIO_NAMES.includes(scenario as ScenarioName)) {
    problems.push({ path: '<scenario>', message: `expected one of ${SCENARIO_NAMES.join(', ')}, got "${scenario}"` });
  }
  const overrides: PlanOverrides = { scenario: scenario as ScenarioName };
  const durationMs = durationFlag(problems, '--duration', flags.duration);
  if (durationMs !== undefined) overrides.durationMs = durationMs;
  if (flags.rate !== undefined) {
    const rate = Number(flags.rate);
    if (!Number.isFinite(rate) || rate <= 0)
      problems.push({ path: '--rate', message: `expected a positive number per second, got "${flags.rate}"` });
    else overrides.ratePerSecond = rate;
  }
  if (flags.vantage) overrides.vantages = flags.vantage;
  if (flags.region) overrides.regions = flags.region;
  if (problems.length > 0) throw new ConfigError(problems);
  return overrides;
}

/** Live progress: per second, requests and failures per group (vantage, else region) and the serving regions. */
export class Progress {
  private second = -1;
  private counts = new Map<string, { total: number; failed: number; servedBy: Map<string, number> }>();
  constructor(
    private readonly io: CliIo,
    private readonly startedAt: number,
  ) {}

  add(p: K6Point): void {
    if (p.metric !== 'request_failed') return;
    const second = Math.floor((p.time - this.startedAt) / 1000);
    if (second > this.second) {
      this.flush();
      this.second = second;
    }
    const group = p.tags.vantage ?? p.tags.target_region ?? 'all';
    const c = this.counts.get(group) ?? { total: 0, failed: 0, servedBy: new Map() };
    c.total++;
    c.failed += p.value;
    const by = p.tags.served_by ?? 'unknown';
    c.servedBy.set(by, (c.servedBy.get(by) ?? 0) + 1);
    this.counts.set(group, c);
  }

  flush(): void {
    if (this.counts.size === 0) return;
    const parts = [...this.counts].map(([group, c]) => {
      const by = [...c.servedBy].map(([r, n]) => `${r} ${n}`).join(', ');
      return `${group}: ${c.total} req, ${c.failed} failed (${by})`;
    });
    this.io.err(`t+${String(Math.max(0, this.second)).padStart(3)}s  ${parts.join(' | ')}`);
    this.counts.clear();
  }
}

/** A run that ended other than ok: carries its exit code to the CLI's one error handler. */
export class RunOutcomeError extends CrosswindError {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The exit code of a run: thresholds crossed is a failed gate; a stopped run proves nothing. */
export function exitCodeOfRun(result: K6RunResult): ExitCode {
  switch (result.kind) {
    case 'ok':
      return ExitCode.approved;
    case 'thresholds-failed':
      return ExitCode.rolledBack;
    case 'interrupted':
      return ExitCode.inconclusive;
    default:
      return ExitCode.infrastructure;
  }
}

/** `crosswind synthetics run <scenario>`: one scenario with the real k6, progress live, files in a run folder. */
export function register(command: Command, io: CliIo): void {
  const synthetics = command;
  synthetics
    .command('run')
    .description(`run one k6 scenario (${SCENARIO_NAMES.join(', ')}) and watch it live`)
    .argument('<scenario>', 'the scenario to run')
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('-d, --duration <duration>', 'how long, e.g. 30s (default: from the config)')
    .option('-r, --rate <perSecond>', 'iterations per second per vantage, region or region pair (default: from the config)')
    .option('--vantage <name...>', 'only these vantages')
    .option('--region <name...>', 'only these regions')
    .option('--run-dir <dir>', 'run folder (default: .crosswind/runs/<time>-synthetics)')
    .option(...K6_OPTION)
    .action(async (scenario: string, flags: RunFlags) => {
      const overrides = parseRunFlags(scenario, flags);
      const { config } = await loadConfig({ path: flags.config });
      const plan = buildPlan(config, overrides);
      const remote = unstartedRunnerProblems(
        config,
        'synthetics run',
        plan.vantages.map((v) => v.name),
      );
      if (remote.length > 0) throw new ConfigError(remote);
      const startedAt = new Date();
      const runDir = resolve(flags.runDir ?? join('.crosswind', 'runs', `${stamp(startedAt)}-synthetics`));
      const run = await startK6Run({ plan, runDir, k6Path: await k6FromFlag(flags.k6), liveMetrics: ['request_failed'] });
      io.err(`synthetics: ${plan.scenario} for ${plan.durationMs / 1000} s, points in ${run.files.ndjson}`);
      const progress = new Progress(io, startedAt.getTime());
      for await (const p of run.points) progress.add(p);
      progress.flush();
      const result = await run.done.catch((err: unknown) => {
        throw err instanceof InfrastructureError ? err : new InfrastructureError(String(err));
      });
      await writeFile(
        join(runDir, 'run.json'),
        `${JSON.stringify(
          {
            mode: 'synthetics',
            scenario: plan.scenario,
            project: config.project,
            startedAt: startedAt.toISOString(),
            endedAt: new Date().toISOString(),
            regions: config.regions.map((r) => r.name),
            vantages: plan.vantages.map((v) => v.name),
            result: result.kind,
          },
          null,
          2,
        )}\n`,
      );
      io.out(`${plan.scenario}: ${result.kind}${result.exitCode !== null ? ` (k6 exit ${result.exitCode})` : ''}`);
      if (result.kind === 'thresholds-failed') for (const t of result.failedThresholds) io.out(`  crossed: ${t}`);
      if ('message' in result) io.out(`  ${result.message}`);
      io.out(`  points:  ${result.files.ndjson}\n  summary: ${result.files.summary}\n  k6 log:  ${result.files.log}`);
      const code = exitCodeOfRun(result);
      if (code !== ExitCode.approved) throw new RunOutcomeError(`${plan.scenario} ended ${result.kind}`, code);
    });
}
