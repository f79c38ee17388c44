import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { awsClientOptions } from '../../config/aws.ts';
import { type Gate, type GatesConfig, gateSchema, gatesSchema } from '../../config/gates-schema.ts';
import { CONFIG_ENV, CONFIG_FILES, loadConfig } from '../../config/load.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import { ConfigError, type ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { judgeRun } from '../../validations/judge.ts';
import { type ReadStats, rejectedCount } from '../../validations/read-points.ts';
import { writeHtmlReport } from '../../validations/reporters/write-html-report.ts';
import { writeGateReports } from '../../validations/reporters/write-reports.ts';
import { judgeRecorded, RUN_GATES_FILE, readRunGates } from '../../validations/run-gates.ts';
import { readFaults, readHealth } from '../../validations/run-inputs.ts';
import { VerdictError } from '../../validations/verdict.ts';

interface GateFlags {
  results?: string[];
  run?: string;
  faults?: string;
  health?: string;
  config?: string;
  candidate?: string;
  baseline?: string[];
  json?: string;
  junit?: string;
  markdown?: string;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** The gate set of a run: the configured checks, the failover gate when there are faults, the candidate set. */
export function gateSet(gates: GatesConfig, options: { hasFaults: boolean; candidate?: string; baseline?: string[] }): Gate[] {
  const pick = options.baseline?.length ? { baseline: options.baseline } : {};
  const out: Gate[] = gates.checks.map((g) =>
    g.kind === 'comparison' && options.candidate ? { ...g, candidate: options.candidate, ...pick } : g,
  );
  if (options.hasFaults && !out.some((g) => g.kind === 'failover')) out.push({ kind: 'failover', ...gates.failover });
  if (options.candidate && !out.some((g) => g.kind === 'comparison')) {
    out.push(gateSchema.parse({ kind: 'comparison', candidate: options.candidate, ...pick }));
  }
  return out;
}

async function configFor(path: string | undefined): Promise<{ config?: CrosswindConfig; gates: GatesConfig; file?: string }> {
  if (path || process.env[CONFIG_ENV] || CONFIG_FILES.some((f) => existsSync(resolve(f)))) {
    const { config, file } = await loadConfig({ path });
    return { config, gates: config.gates, file };
  }
  // No config: judge with the default gates (no AWS needed for k6 output).
  return { gates: gatesSchema.parse({}) };
}

/** Every line not taken, by file and line (the first ones; then a count). */
function reportInputProblems(stats: ReadStats, io: CliIo): void {
  for (const t of stats.truncatedTail) io.err(`gate: skipped a final line cut short at ${t}`);
  for (const r of stats.rejected) io.err(`gate: rejected ${r.source}:${r.line}${r.metric ? ` (${r.metric})` : ''}: ${r.reason}`);
  const more = rejectedCount(stats) - stats.rejected.length;
  if (more > 0) io.err(`gate: ${more} more line(s) rejected`);
}

/**
 * `crosswind gate`: judge existing k6 output (and a fault ledger) against the gates; write verdict.json, JUnit and
 * Markdown; exit 0 approve, 1 rollback, 4 inconclusive.
 */
export function register(command: Command, io: CliIo): void {
  command
    .option('-r, --results <ndjson...>', 'k6 NDJSON output files (plain or .gz; several runners are merged)')
    .option(
      '--run <dir>',
      'a run folder: reads k6/*.ndjson, ledger.jsonl and health.jsonl, writes verdict.json, junit.xml, summary.md there',
    )
    .option('-f, --faults <ledger.jsonl>', 'fault ledger of the run (adds the failover gate)')
    .option('--health <health.jsonl>', 'observed region health (default: health.jsonl beside the ledger, if present)')
    .option('-c, --config <file>', 'config file (default: crosswind.config.* in the current folder, else the default gates)')
    .option('--candidate <region>', 'the region just deployed, for the comparison gate')
    .option('--baseline <regions...>', 'the regions not yet deployed, the comparison baseline (default: every other region)')
    .option('--json <out>', 'write verdict.json here')
    .option('--junit <out>', 'write JUnit XML here')
    .option('--markdown <out>', 'write the Markdown summary here')
    .action(async (flags: GateFlags) => {
      const problems: ConfigProblem[] = [];
      const run = flags.run ? resolve(flags.run) : undefined;
      if (run && !(existsSync(run) && statSync(run).isDirectory()))
        problems.push({ path: '--run', message: `expected a run folder, found none at ${run}` });
      let results = (flags.results ?? []).map((f) => resolve(f));
      if (run && results.length === 0 && existsSync(join(run, 'k6'))) {
        results = (await readdir(join(run, 'k6')))
          .filter((f) => /\.(ndjson|jsonl)(\.gz)?$/.test(f))
          .sort()
          .map((f) => join(run, 'k6', f));
      }
      if (results.length === 0 && !problems.length) {
        problems.push({
          path: '--results',
          message: run
            ? `expected k6 output in ${join(run, 'k6')} (*.ndjson), found none`
            : 'required: one or more k6 NDJSON files (or --run <dir>)',
        });
      }
      for (const f of results) if (!isFile(f)) problems.push({ path: '--results', message: `no such file: ${f}` });
      let faultsFile = flags.faults ? resolve(flags.faults) : undefined;
      if (!faultsFile && run && isFile(join(run, 'ledger.jsonl'))) faultsFile = join(run, 'ledger.jsonl');
      if (faultsFile && !isFile(faultsFile)) problems.push({ path: '--faults', message: `no such file: ${faultsFile}` });
      let healthFile = flags.health ? resolve(flags.health) : undefined;
      if (!healthFile && faultsFile && isFile(join(dirname(faultsFile), 'health.jsonl')))
        healthFile = join(dirname(faultsFile), 'health.jsonl');
      if (healthFile && !isFile(healthFile)) problems.push({ path: '--health', message: `no such file: ${healthFile}` });
      if (flags.candidate !== undefined && flags.candidate.trim() === '')
        problems.push({ path: '--candidate', message: 'expected a region name' });
      if (flags.baseline && !flags.candidate)
        problems.push({ path: '--baseline', message: 'only with --candidate (the region compared against it)' });
      if (flags.candidate && flags.baseline?.includes(flags.candidate)) {
        problems.push({ path: '--baseline', message: `must not include the candidate "${flags.candidate}"` });
      }
      for (const key of ['json', 'junit', 'markdown'] as const) {
        const out = flags[key];
        if (out !== undefined && (out.trim() === '' || (existsSync(out) && statSync(out).isDirectory()))) {
          problems.push({
            path: `--${key}`,
            message: `expected a file path to write, got ${out === '' ? 'nothing' : `the folder ${out}`}`,
          });
        }
      }
      if (problems.length) throw new ConfigError(problems);

      // A run folder that recorded its gates is judged with them: the questions the run itself asked.
      const recorded = run && !flags.results?.length ? await readRunGates(run) : undefined;
      if (recorded && (flags.candidate || flags.baseline)) {
        throw new ConfigError([
          {
            path: flags.candidate ? '--candidate' : '--baseline',
            message: `${join(run as string, RUN_GATES_FILE)} records the gates this run was judged with; gate --run judges with those`,
          },
        ]);
      }
      const { config, gates: gatesConfig, file } = await configFor(flags.config);
      const faults = faultsFile ? await readFaults(faultsFile) : [];
      const health = healthFile ? await readHealth(healthFile) : [];
      const gates =
        recorded?.flatMap((j) => j.gates) ??
        gateSet(gatesConfig, { hasFaults: faultsFile !== undefined, candidate: flags.candidate, baseline: flags.baseline });
      const cloudwatchGates = gates.filter((g) => g.kind === 'cloudwatch');
      if (cloudwatchGates.length && !config) {
        throw new ConfigError([{ path: 'gates.checks', message: 'CloudWatch gates need the aws section of a config file' }]);
      }
      // One client per region, closed when the judging is done. The SDK is loaded only when a gate reads CloudWatch.
      const clients = new Map<string, CloudWatchClient>();
      const { CloudWatchClient: Client } = cloudwatchGates.length
        ? await import('@aws-sdk/client-cloudwatch')
        : { CloudWatchClient: undefined };
      const cloudwatch =
        config && Client
          ? (region: string | undefined) => {
              const key = region ?? config.aws.controlRegion;
              let client = clients.get(key);
              if (!client) {
                client = new Client(awsClientOptions(config.aws, 'cloudwatch', region));
                clients.set(key, client);
              }
              return client;
            }
          : undefined;
      const judging = recorded
        ? judgeRecorded(recorded, { faults, health, cloudwatch })
        : judgeRun({ sources: results, gates, faults, health, cloudwatch });
      const outcome = await judging.finally(() => {
        for (const c of clients.values()) c.destroy();
      });
      const from = recorded ? `, the gates the run recorded (${RUN_GATES_FILE})` : file ? `, gates from ${file}` : ', default gates';
      io.err(
        `gate: ${outcome.stats.points} points from ${results.length} file(s)${from}${faultsFile ? `, ${faults.length} fault(s)` : ''}`,
      );
      reportInputProblems(outcome.stats, io);
      const { markdown } = await writeGateReports(
        outcome,
        {
          json: flags.json ? resolve(flags.json) : run ? join(run, 'verdict.json') : undefined,
          junit: flags.junit ? resolve(flags.junit) : run ? join(run, 'junit.xml') : undefined,
          markdown: flags.markdown ? resolve(flags.markdown) : run ? join(run, 'summary.md') : undefined,
        },
        { sources: results, stats: outcome.stats, span: outcome.span, faultsFile, healthFile, failover: outcome.failover },
      );
      // A judged run folder gets its HTML report too (timelines, gate table); the verdict stands even if drawing fails.
      if (run) await writeHtmlReport(run).catch((err: Error) => io.err(`warning: report.html not written: ${err.message}`));
      io.out(markdown);
      if (outcome.verdict.kind !== 'approve') throw new VerdictError(outcome.verdict);
    });
}
