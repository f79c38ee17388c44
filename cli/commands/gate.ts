import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { awsClientOptions } from '../../config/aws.ts';
import { CONFIG_ENV, CONFIG_FILES } from '../../config/find-config.ts';
import { defaultGates } from '../../config/gates.ts';
import type { Gate, GatesConfig } from '../../config/gates-schema.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import { ConfigError, type ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { judgeRun } from '../../validations/judge.ts';
import { k6OutputFiles, type ReadStats, rejectedCount, startReadingEarly } from '../../validations/read-points.ts';
import { writeHtmlReport } from '../../validations/reporters/write-html-report.ts';
import { type ReportPaths, runFolderReports, writeGateReports } from '../../validations/reporters/write-reports.ts';
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
export async function gateSet(
  gates: GatesConfig,
  options: { hasFaults: boolean; candidate?: string; baseline?: string[] },
): Promise<Gate[]> {
  const pick = options.baseline?.length ? { baseline: options.baseline } : {};
  const out: Gate[] = gates.checks.map((g) =>
    g.kind === 'comparison' && options.candidate ? { ...g, candidate: options.candidate, ...pick } : g,
  );
  if (options.hasFaults && !out.some((g) => g.kind === 'failover')) out.push({ kind: 'failover', ...gates.failover });
  if (options.candidate && !out.some((g) => g.kind === 'comparison')) {
    // The comparison gate's defaults are the schema's; it is loaded only for a comparison.
    const { gateSchema } = await import('../../config/gates-schema.ts');
    out.push(gateSchema.parse({ kind: 'comparison', candidate: options.candidate, ...pick }));
  }
  return out;
}

/**
 * The config file and its gates when there is one; else the default gates, with neither the config schema nor a
 * parser loaded (judging k6 output needs neither, nor AWS).
 */
async function configFor(path: string | undefined): Promise<{ config?: CrosswindConfig; gates: GatesConfig; file?: string }> {
  if (path || process.env[CONFIG_ENV] || CONFIG_FILES.some((f) => existsSync(resolve(f)))) {
    const { loadConfig } = await import('../../config/load.ts');
    const { config, file } = await loadConfig({ path });
    return { config, gates: config.gates, file };
  }
  return { gates: defaultGates() };
}

/** Every line not taken, by file and line (the first ones; then a count). */
function reportInputProblems(stats: ReadStats, io: CliIo): void {
  for (const t of stats.truncatedTail) io.err(`gate: skipped a final line cut short at ${t}`);
  for (const r of stats.rejected) io.err(`gate: rejected ${r.source}:${r.line}${r.metric ? ` (${r.metric})` : ''}: ${r.reason}`);
  const more = rejectedCount(stats) - stats.rejected.length;
  if (more > 0) io.err(`gate: ${more} more line(s) rejected`);
}

/** What `crosswind gate` reads and where it writes, from its flags, every path resolved. */
interface GateInputs {
  run?: string;
  results: string[];
  faultsFile?: string;
  healthFile?: string;
  outputs: ReportPaths;
}

/** The k6 files to judge: `--results`, else a run folder's k6 output. */
async function resultFiles(flags: GateFlags, run: string | undefined, problems: ConfigProblem[]): Promise<string[]> {
  const results = flags.results?.length ? flags.results.map((f) => resolve(f)) : run ? await k6OutputFiles(run) : [];
  if (results.length === 0 && !problems.length) {
    problems.push({
      path: '--results',
      message: run
        ? `expected k6 output in ${join(run, 'k6')} (*.ndjson), found none`
        : 'required: one or more k6 NDJSON files (or --run <dir>)',
    });
  }
  for (const f of results) if (!isFile(f)) problems.push({ path: '--results', message: `no such file: ${f}` });
  return results;
}

/** The fault ledger (`--faults`, else the run folder's) and the health observations (`--health`, else beside the ledger). */
function faultAndHealthFiles(flags: GateFlags, run: string | undefined, problems: ConfigProblem[]) {
  let faultsFile = flags.faults ? resolve(flags.faults) : undefined;
  if (!faultsFile && run && isFile(join(run, 'ledger.jsonl'))) faultsFile = join(run, 'ledger.jsonl');
  if (faultsFile && !isFile(faultsFile)) problems.push({ path: '--faults', message: `no such file: ${faultsFile}` });
  let healthFile = flags.health ? resolve(flags.health) : undefined;
  if (!healthFile && faultsFile && isFile(join(dirname(faultsFile), 'health.jsonl')))
    healthFile = join(dirname(faultsFile), 'health.jsonl');
  if (healthFile && !isFile(healthFile)) problems.push({ path: '--health', message: `no such file: ${healthFile}` });
  return { faultsFile, healthFile };
}

function comparisonProblems(flags: GateFlags): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (flags.candidate !== undefined && flags.candidate.trim() === '')
    problems.push({ path: '--candidate', message: 'expected a region name' });
  if (flags.baseline && !flags.candidate)
    problems.push({ path: '--baseline', message: 'only with --candidate (the region compared against it)' });
  if (flags.candidate && flags.baseline?.includes(flags.candidate)) {
    problems.push({ path: '--baseline', message: `must not include the candidate "${flags.candidate}"` });
  }
  return problems;
}

/** The report files: each flag, else the run folder's file, else none. */
function outputPaths(flags: GateFlags, run: string | undefined, problems: ConfigProblem[]): ReportPaths {
  const outputs: ReportPaths = {};
  const inRun = run ? runFolderReports(run) : undefined;
  for (const key of ['json', 'junit', 'markdown'] as const) {
    const out = flags[key];
    if (out !== undefined && (out.trim() === '' || (existsSync(out) && statSync(out).isDirectory()))) {
      problems.push({ path: `--${key}`, message: `expected a file path to write, got ${out === '' ? 'nothing' : `the folder ${out}`}` });
    }
    const path = out ? resolve(out) : inRun?.[key];
    if (path) outputs[key] = path;
  }
  return outputs;
}

/** Every problem with the flags at once (exit 2), before anything is read. */
async function gateInputs(flags: GateFlags): Promise<GateInputs> {
  const problems: ConfigProblem[] = [];
  const run = flags.run ? resolve(flags.run) : undefined;
  if (run && !(existsSync(run) && statSync(run).isDirectory()))
    problems.push({ path: '--run', message: `expected a run folder, found none at ${run}` });
  const results = await resultFiles(flags, run, problems);
  const { faultsFile, healthFile } = faultAndHealthFiles(flags, run, problems);
  problems.push(...comparisonProblems(flags));
  const outputs = outputPaths(flags, run, problems);
  if (problems.length) throw new ConfigError(problems);
  return { run, results, faultsFile, healthFile, outputs };
}

/** CloudWatch clients for the gates that read it, one per region, made on first use; the SDK is loaded only then. */
async function cloudwatchClients(config: CrosswindConfig | undefined, gates: readonly Gate[]) {
  const clients = new Map<string, CloudWatchClient>();
  const destroy = () => {
    for (const c of clients.values()) c.destroy();
  };
  if (!gates.some((g) => g.kind === 'cloudwatch')) return { destroy };
  if (!config) throw new ConfigError([{ path: 'gates.checks', message: 'CloudWatch gates need the aws section of a config file' }]);
  const { CloudWatchClient: Client } = await import('@aws-sdk/client-cloudwatch');
  const cloudwatch = (region: string | undefined) => {
    const key = region ?? config.aws.controlRegion;
    let client = clients.get(key);
    if (!client) {
      client = new Client(awsClientOptions(config.aws, 'cloudwatch', region));
      clients.set(key, client);
    }
    return client;
  };
  return { cloudwatch, destroy };
}

/**
 * Judges the inputs: a run folder that recorded its gates with those (the questions the run itself asked), else
 * with the configured (or default) gates, the failover gate when there are faults, and the comparison gate.
 */
async function judge(inputs: GateInputs, flags: GateFlags, io: CliIo) {
  const recorded = inputs.run && !flags.results?.length ? await readRunGates(inputs.run) : undefined;
  if (recorded && (flags.candidate || flags.baseline)) {
    throw new ConfigError([
      {
        path: flags.candidate ? '--candidate' : '--baseline',
        message: `${join(inputs.run as string, RUN_GATES_FILE)} records the gates this run was judged with; gate --run judges with those`,
      },
    ]);
  }
  // The reading thread starts on the other core while this one loads the config that says what to read.
  await startReadingEarly(inputs.results);
  const { config, gates: gatesConfig, file } = await configFor(flags.config);
  const faults = inputs.faultsFile ? await readFaults(inputs.faultsFile) : [];
  const health = inputs.healthFile ? await readHealth(inputs.healthFile) : [];
  const gates =
    recorded?.flatMap((j) => j.gates) ??
    (await gateSet(gatesConfig, { hasFaults: inputs.faultsFile !== undefined, candidate: flags.candidate, baseline: flags.baseline }));
  const { cloudwatch, destroy } = await cloudwatchClients(config, gates);
  const judging = recorded
    ? judgeRecorded(recorded, { faults, health, cloudwatch })
    : judgeRun({ sources: inputs.results, gates, faults, health, cloudwatch });
  const outcome = await judging.finally(destroy);
  const from = recorded ? `, the gates the run recorded (${RUN_GATES_FILE})` : file ? `, gates from ${file}` : ', default gates';
  const faultCount = inputs.faultsFile ? `, ${faults.length} fault(s)` : '';
  io.err(`gate: ${outcome.stats.points} points from ${inputs.results.length} file(s)${from}${faultCount}`);
  reportInputProblems(outcome.stats, io);
  return outcome;
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
      const inputs = await gateInputs(flags);
      const outcome = await judge(inputs, flags, io);
      const { run, results, faultsFile, healthFile } = inputs;
      const { markdown } = await writeGateReports(outcome, inputs.outputs, {
        sources: results,
        stats: outcome.stats,
        span: outcome.span,
        faultsFile,
        healthFile,
        failover: outcome.failover,
      });
      // A judged run folder gets its HTML report too (timelines, gate table); the verdict stands even if drawing fails.
      if (run) await writeHtmlReport(run).catch((err: Error) => io.err(`warning: report.html not written: ${err.message}`));
      io.out(markdown);
      if (outcome.verdict.kind !== 'approve') throw new VerdictError(outcome.verdict);
    });
}
