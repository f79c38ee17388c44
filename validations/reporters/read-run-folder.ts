import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InfrastructureError } from '../../core/errors.ts';
import { k6OutputFiles, readInto } from '../read-points.ts';
import { readFaults, readHealth } from '../run-inputs.ts';
import {
  type FailoverMarks,
  type GateRow,
  healthBands,
  type ReportData,
  ReportSeriesBuilder,
  type ReportVerdict,
  type RunInfo,
  type VerdictKind,
} from './report-data.ts';

// Reads a run folder (.crosswind/runs/<stamp>-<mode>/: run.json, k6/*.ndjson[.gz], ledger.jsonl, health.jsonl,
// verdict.json) into the report's data. Every file but the k6 output is optional, so a report can be drawn for a
// run that crashed half way.

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The verdict.json schema version this report reads (validations/reporters/verdict-document.ts). */
const VERDICT_SCHEMA_VERSION = 1;

interface VerdictJsonV1 {
  schemaVersion: number;
  verdict: VerdictKind;
  reasons: { gate: string; measure: string; groupLabel: string; message: string }[];
  informational?: { message: string }[];
  gates: {
    gate: string;
    measure: string;
    group?: Record<string, string>;
    groupLabel: string;
    status: GateRow['verdict'];
    measured: number | null;
    op: string;
    bound: number;
    unit: string;
    samples: number;
    minSamples: number;
    scope?: { window: string; population: string };
    interval?: { lower: number | null; upper: number | null; confidence: number };
    reason: string;
    informational?: true;
  }[];
  failover?: {
    fault: { id: string; region?: string };
    detectedAt: string | null;
    detectionSeconds: number | null;
    vantages: {
      vantage: string;
      profile?: string;
      affected?: boolean;
      failoverAt: string | null;
      failoverSeconds: number | null;
      transition?: { requests: number; failed: number };
      rebalancedAt: string | null;
      rebalanceSeconds: number | null;
    }[];
  }[];
}

const time = (iso: string | null | undefined): number | undefined => (iso ? Date.parse(iso) : undefined);

/** `[0.2, 1.98] % at 95 %` from a verdict.json interval, scaled for display. */
function intervalText(i: { lower: number | null; upper: number | null; confidence: number }, scale: number, unit: string): string {
  const end = (v: number | null) => (v === null ? 'unbounded' : String(Number((v * scale).toPrecision(4))));
  return `[${end(i.lower)}, ${end(i.upper)}]${unit && unit !== 'value' && unit !== 'count' ? ` ${unit}` : ''} at ${Number((i.confidence * 100).toPrecision(4))} %`;
}

/**
 * The verdict, gate rows and failover timelines of a `verdict.json` (schema version 1, as `crosswind gate` writes it;
 * see validations/reporters/README.md). Ratios are shown as percentages. A version this report does not know is
 * shown as no verdict, with the reason, rather than misread.
 */
export function verdictFromJson(raw: unknown): { verdict: ReportVerdict; gates: GateRow[]; failover: FailoverMarks[] } {
  const doc = raw as Partial<VerdictJsonV1> | null;
  if (!doc || typeof doc !== 'object' || doc.schemaVersion !== VERDICT_SCHEMA_VERSION) {
    const version = doc && typeof doc === 'object' ? String(doc.schemaVersion) : 'none';
    return {
      verdict: {
        kind: 'none',
        reasons: [`verdict.json has schema version ${version}; this report reads version ${VERDICT_SCHEMA_VERSION}`],
      },
      gates: [],
      failover: [],
    };
  }
  const gates = (doc.gates ?? []).map((g): GateRow => {
    const ratio = g.unit === 'ratio';
    return {
      gate: g.measure ? `${g.gate}: ${g.measure}` : g.gate,
      group: g.groupLabel === 'all' ? '' : g.groupLabel,
      measured: g.measured === null ? null : ratio ? g.measured * 100 : g.measured,
      bound: `${g.op} ${ratio ? g.bound * 100 : g.bound}`,
      samples: g.samples,
      unit: ratio ? '%' : g.unit === 'value' || g.unit === 'count' ? '' : g.unit,
      interval: g.interval ? intervalText(g.interval, ratio ? 100 : 1, ratio ? '%' : g.unit) : '',
      judged: g.scope ? `${g.scope.window}; ${g.scope.population}` : '',
      verdict: g.status,
      ...(g.informational ? { informational: true } : {}),
      detail: g.samples < g.minSamples ? `${g.reason} (minimum ${g.minSamples} samples)` : g.reason,
    };
  });
  // A vantage's (and profile's) failover results are informational when the failover gate marked them so.
  const informational = (fault: string, vantage: string, profile: string | undefined) =>
    (doc.gates ?? []).some(
      (g) => g.informational && g.group?.fault === fault && g.group?.vantage === vantage && g.group?.profile === profile,
    );
  const failover = (doc.failover ?? []).map(
    (f): FailoverMarks => ({
      faultId: f.fault.id,
      ...(f.fault.region ? { region: f.fault.region } : {}),
      detectedAt: time(f.detectedAt),
      // A verdict.json from before affected vantages were told apart counts every vantage as affected.
      vantages: f.vantages
        .filter((v) => v.affected !== false)
        .map((v) => ({
          vantage: v.vantage,
          ...(v.profile ? { profile: v.profile } : {}),
          failoverAt: time(v.failoverAt),
          rebalancedAt: time(v.rebalancedAt),
          ...(v.failoverSeconds === undefined ? {} : { failoverSeconds: v.failoverSeconds }),
          ...(v.transition ? { transition: { requests: v.transition.requests, failed: v.transition.failed } } : {}),
          ...(informational(f.fault.id, v.vantage, v.profile) ? { informational: true } : {}),
        })),
      unaffected: [...new Set(f.vantages.filter((v) => v.affected === false).map((v) => v.vantage))],
    }),
  );
  const reasons = (doc.reasons ?? []).map((r) => r.message);
  const warnings = (doc.informational ?? []).map((r) => r.message);
  return { verdict: { kind: doc.verdict ?? 'inconclusive', reasons, ...(warnings.length ? { warnings } : {}) }, gates, failover };
}

/**
 * Reads a run folder into the report's data. Throws an InfrastructureError naming the folder when it does not exist
 * or holds no k6 output.
 */
export async function readReportData(folder: string): Promise<ReportData> {
  if (!existsSync(folder)) throw new InfrastructureError(`no run folder at ${folder}`);
  const files = await k6OutputFiles(folder);
  if (files.length === 0) throw new InfrastructureError(`no k6 output in ${join(folder, 'k6')} (expected *.ndjson files)`);

  const runFile = join(folder, 'run.json');
  const runJson = existsSync(runFile) ? (JSON.parse(await readFile(runFile, 'utf8')) as Record<string, unknown>) : {};
  const name = basename(folder);
  const run: RunInfo = {
    mode: asString(runJson.mode) ?? name.replace(/^\d{8}-\d{6}-?/, '') ?? 'run',
    project: asString(runJson.project) ?? '',
    folder: name,
    startedAt: asString(runJson.startedAt),
    endedAt: asString(runJson.endedAt),
  };

  const builder = new ReportSeriesBuilder();
  await readInto(files, builder.add);
  const ledgerFile = join(folder, 'ledger.jsonl');
  const healthFile = join(folder, 'health.jsonl');
  const faults = existsSync(ledgerFile) ? await readFaults(ledgerFile) : [];
  const observations = existsSync(healthFile) ? await readHealth(healthFile) : [];

  // The timeline spans the run as run.json states it, widened to every point, fault and health observation.
  const seen = builder.finish();
  const times = [
    seen.window.start,
    seen.window.end,
    ...faults.flatMap((f) => [f.appliedAt, f.undoneAt ?? f.appliedAt]),
    ...observations.map((o) => o.time),
  ];
  const started = run.startedAt ? Date.parse(run.startedAt) : Number.NaN;
  const ended = run.endedAt ? Date.parse(run.endedAt) : Number.NaN;
  if (Number.isFinite(started)) times.push(started);
  if (Number.isFinite(ended)) times.push(ended);
  const window = { start: Math.min(...times), end: Math.max(...times) };

  const verdictFile = join(folder, 'verdict.json');
  const { verdict, gates, failover } = existsSync(verdictFile)
    ? verdictFromJson(JSON.parse(await readFile(verdictFile, 'utf8')))
    : {
        verdict: { kind: 'none' as const, reasons: ['no verdict.json in the run folder: run crosswind gate to judge this run'] },
        gates: [],
        failover: [],
      };

  const configured = Array.isArray(runJson.regions)
    ? runJson.regions
        .map((r) => (typeof r === 'string' ? r : asString((r as Record<string, unknown>)?.name)))
        .filter((r): r is string => !!r)
    : [];
  const regions = [...new Set([...configured, ...seen.regionsSeen, ...faults.map((f) => f.region), ...observations.map((o) => o.region)])];
  const series = builder.finish(window, regions);

  return {
    title: `crosswind ${run.mode}${run.project ? ` · ${run.project}` : ''}`,
    run,
    verdict,
    gates,
    regions,
    window: series.window,
    faults,
    failover,
    health: healthBands(observations, series.window.end + 999),
    vantages: series.vantages,
    servedMetric: series.servedMetric,
  };
}
