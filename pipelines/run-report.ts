import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { redactSecrets } from '../config/redact.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import type { CliIo } from '../core/io.ts';
import { formatInterval, formatValue } from '../validations/gates/gate-result.ts';
import type { DocumentExtras } from '../validations/reporters/verdict-document.ts';
import { writeHtmlReport } from '../validations/reporters/write-html-report.ts';
import { runFolderReports, writeGateReports } from '../validations/reporters/write-reports.ts';
import { type RecordedJudgement, writeRunGates } from '../validations/run-gates.ts';
import { informationalWarnings, type Judgement, VerdictError } from '../validations/verdict.ts';

/** `run.json`: what ran, for whom, when; the report and later commands read it. */
export interface RunInfo {
  mode: 'gameday' | 'rollout' | 'probe';
  project: string;
  startedAt: string;
  endedAt: string;
  regions: string[];
  vantages: string[];
  verdict: Judgement['verdict']['kind'];
  [extra: string]: unknown;
}

export interface RunReport {
  runDir: string;
  judgement: Judgement;
  files: string[];
}

export interface FinishRun {
  io: CliIo;
  config: CrosswindConfig;
  runDir: string;
  mode: RunInfo['mode'];
  startedAt: number;
  title: string;
  judgement: Judgement;
  extra?: Record<string, unknown>;
  /** What the verdict document records about its inputs (sources, faults, health, failover timelines). */
  document?: DocumentExtras;
  /** Return instead of throwing on a non-approval (the caller decides the exit). */
  noThrow?: boolean;
  /** The k6 outputs and gates the verdict came from: recorded in the folder so `crosswind gate --run` asks the same. */
  judged?: readonly RecordedJudgement[];
}

/** Pure: the verdict and each gate result as the lines crosswind prints. */
export function verdictLines(title: string, judgement: Judgement, failed = 'FAILED'): string[] {
  const v = judgement.verdict;
  const head = v.kind === 'approve' ? 'APPROVED' : v.kind === 'rollback' ? failed : 'INCONCLUSIVE';
  const warnings = informationalWarnings(judgement.results);
  const lines = [`${title}: ${head}`, ...warnings.map((w) => `  warning: ${w.message}`)];
  for (const r of judgement.results) {
    // An informational result is marked as such, whatever it measured: it decided nothing.
    const mark = r.informational && r.status !== 'pass' ? 'info' : r.status === 'pass' ? 'pass' : r.status === 'fail' ? 'FAIL' : 'n/a ';
    // The interval beside the value: what the pass or the doubt rests on.
    const interval = r.interval
      ? ` ${formatInterval(r.interval, r.unit)} at ${Number((r.interval.confidence * 100).toPrecision(4))} %`
      : '';
    lines.push(
      `  [${mark}] ${r.gate} ${r.measure} [${r.groupLabel}]: ${formatValue(r.measured, r.unit)}${interval}, bound ${r.op} ${formatValue(r.bound, r.unit)} (${r.samples} samples)`,
    );
  }
  return lines;
}

/**
 * Writes `run.json` and the verdict reports into the run folder, prints the verdict, and throws VerdictError (exit 1
 * or 4) unless approved, so a CI job fails on a failed or inconclusive run.
 */
export async function finishRun(f: FinishRun): Promise<RunReport> {
  const info: RunInfo = {
    mode: f.mode,
    project: f.config.project,
    startedAt: new Date(f.startedAt).toISOString(),
    endedAt: new Date().toISOString(),
    regions: f.config.regions.map((r) => r.name),
    vantages: f.config.vantages.map((v) => v.name),
    verdict: f.judgement.verdict.kind,
    ...f.extra,
  };
  await writeFile(join(f.runDir, 'run.json'), redactSecrets(`${JSON.stringify(info, null, 2)}\n`));
  if (f.judged) await writeRunGates(f.runDir, f.judged);
  // The validations reporters: verdict.json (schema v1), junit.xml, summary.md.
  const { files } = await writeGateReports(f.judgement, runFolderReports(f.runDir), { ...f.document, title: f.title });
  // The HTML report is a convenience on top of the verdict files: a failure to draw it never changes the verdict.
  try {
    files.push((await writeHtmlReport(f.runDir)).file);
  } catch (err) {
    f.io.err(`(no HTML report: ${(err as Error).message})`);
  }
  for (const line of verdictLines(f.title, f.judgement, f.mode === 'rollout' ? 'ROLLED BACK' : 'FAILED')) f.io.out(line);
  f.io.out(`reports: ${files.map((p) => relative(process.cwd(), p)).join(', ')}`);
  const v = f.judgement.verdict;
  if (!f.noThrow && v.kind !== 'approve') throw new VerdictError(v);
  return { runDir: f.runDir, judgement: f.judgement, files: [join(f.runDir, 'run.json'), ...files] };
}
