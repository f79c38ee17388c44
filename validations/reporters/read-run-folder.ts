import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { faultEvents, type LedgerEntry } from '../../chaos/ledger-entry.ts';
import { InfrastructureError } from '../../config/errors.ts';
import { parseK6Line } from '../k6-output.ts';
import {
  type GateRow,
  type HealthObservation,
  healthBands,
  type ReportData,
  ReportSeriesBuilder,
  type ReportVerdict,
  type RunInfo,
} from './report-data.ts';

// Reads a run folder (.crosswind/runs/<stamp>-<mode>/: run.json, k6/*.ndjson[.gz], ledger.jsonl, health.jsonl,
// verdict.json) into the report's data. Every file but the k6 output is optional, so a report can be drawn for a
// run that crashed half way.

async function* lines(path: string): AsyncGenerator<string> {
  const raw = createReadStream(path);
  const input = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  yield* createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

async function readJsonLines<T>(path: string): Promise<T[]> {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  let n = 0;
  for await (const line of lines(path)) {
    n++;
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch (err) {
      // A crashed writer leaves at most a torn last line; anything else is a broken file.
      throw new InfrastructureError(`${path}:${n}: not a JSON line (${(err as Error).message})`, { cause: err });
    }
  }
  return out;
}

/** The k6 NDJSON files of a run folder (`k6/*.ndjson`, `*.jsonl`, gzipped or not), sorted; summaries and plans are not points. */
export async function k6OutputFiles(folder: string): Promise<string[]> {
  const dir = join(folder, 'k6');
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => /\.(ndjson|jsonl)(\.gz)?$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asNumber = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function verdictKind(v: unknown): ReportVerdict['kind'] | undefined {
  const s = asString(v)?.toLowerCase();
  if (!s) return undefined;
  if (['approve', 'approved', 'pass', 'passed'].includes(s)) return 'approve';
  if (['rollback', 'rolled-back', 'rolledback', 'fail', 'failed'].includes(s)) return 'rollback';
  if (s === 'inconclusive') return 'inconclusive';
  return undefined;
}

function rowVerdict(v: unknown): GateRow['verdict'] {
  const k = verdictKind(v);
  return k === 'approve' ? 'pass' : k === 'rollback' ? 'fail' : 'inconclusive';
}

function reasonText(r: unknown): string {
  if (typeof r === 'string') return r;
  if (r && typeof r === 'object') {
    const o = r as Record<string, unknown>;
    return asString(o.message) ?? asString(o.reason) ?? JSON.stringify(r);
  }
  return String(r);
}

function boundText(b: unknown, op: unknown): string {
  if (b === undefined || b === null) return '';
  if (typeof b === 'object') {
    const o = b as Record<string, unknown>;
    return `${asString(o.op) ?? asString(op) ?? '<='} ${o.value ?? ''}`.trim();
  }
  return `${asString(op) ?? '<='} ${b}`;
}

/**
 * The verdict and gate rows of a `verdict.json`. Reads the fields by their meaning rather than one exact shape, so
 * the report keeps working across versions of the validations' JSON schema.
 */
export function verdictFromJson(raw: unknown): { verdict: ReportVerdict; gates: GateRow[] } {
  if (!raw || typeof raw !== 'object') return { verdict: { kind: 'none', reasons: [] }, gates: [] };
  const o = raw as Record<string, unknown>;
  const v = (o.verdict && typeof o.verdict === 'object' ? o.verdict : o) as Record<string, unknown>;
  const kind = verdictKind(typeof o.verdict === 'string' ? o.verdict : (v.kind ?? v.outcome ?? v.status)) ?? 'none';
  const reasons = (Array.isArray(v.reasons) ? v.reasons : Array.isArray(o.reasons) ? o.reasons : []).map(reasonText);
  const list = [o.gates, o.results, v.gates, v.results].find(Array.isArray) as unknown[] | undefined;
  const gates = (list ?? []).map((g): GateRow => {
    const r = (g ?? {}) as Record<string, unknown>;
    const group = r.group;
    return {
      gate: asString(r.name) ?? asString(r.gate) ?? asString(r.id) ?? '',
      group: typeof group === 'string' ? group : group && typeof group === 'object' ? JSON.stringify(group) : '',
      measured: asNumber(r.measured ?? r.value),
      bound: boundText(r.bound ?? r.threshold, r.op ?? r.comparison),
      samples: asNumber(r.samples),
      unit: asString(r.unit) ?? '',
      verdict: rowVerdict(r.verdict ?? r.kind ?? r.outcome ?? r.status),
      detail: asString(r.detail) ?? asString(r.message) ?? (Array.isArray(r.reasons) ? r.reasons.map(reasonText).join('; ') : ''),
    };
  });
  return { verdict: kind === 'none' ? { kind, reasons } : { kind, reasons }, gates };
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
  for (const file of files) {
    let n = 0;
    for await (const line of lines(file)) {
      n++;
      let parsed: ReturnType<typeof parseK6Line>;
      try {
        parsed = parseK6Line(line);
      } catch (err) {
        throw new InfrastructureError(`${file}:${n}: not a k6 JSON output line (${(err as Error).message})`, { cause: err });
      }
      if (parsed?.kind === 'point') builder.add(parsed.point);
    }
  }

  const ledger = await readJsonLines<LedgerEntry>(join(folder, 'ledger.jsonl'));
  const faults = faultEvents(ledger);
  const observations = await readJsonLines<HealthObservation>(join(folder, 'health.jsonl'));

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
  const { verdict, gates } = existsSync(verdictFile)
    ? verdictFromJson(JSON.parse(await readFile(verdictFile, 'utf8')))
    : {
        verdict: { kind: 'none' as const, reasons: ['no verdict.json in the run folder: run crosswind gate to judge this run'] },
        gates: [],
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
    health: healthBands(observations, series.window.end + 999),
    vantages: series.vantages,
    servedMetric: series.servedMetric,
  };
}
