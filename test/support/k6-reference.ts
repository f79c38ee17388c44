import { gunzipSync } from 'node:zlib';

/**
 * The plain reading of k6 output that the fast reader must equal, written as directly as the rules read: the whole
 * file decoded as UTF-8, split on newlines, every line `JSON.parse`d and checked. No shared code with the reader
 * beyond nothing at all: it is the oracle of the equivalence test.
 */

export interface ReferencePoint {
  metric: string;
  /** `JSON.stringify` of the tags with sorted keys. */
  tags: string;
  time: number;
  ns: number;
  value: number;
}

export interface ReferenceFile {
  points: ReferencePoint[];
  rejected: { line: number; metric?: string }[];
  truncated?: number;
  lines: number;
  instanceIds: Set<string>;
}

export interface ReferenceOptions {
  metrics?: ReadonlySet<string>;
  nonNegative?: ReadonlySet<string>;
  maxLineBytes: number;
}

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The metric a line names by its first key, as k6 writes it; undefined when it does not. */
function namedMetric(line: string): string | undefined {
  const m = /^\{"metric":"([^"]*)"/.exec(line);
  return m && m[1] !== '' && !m[1]?.includes('\\') ? m[1] : undefined;
}

type Parsed =
  | { kind: 'skip' }
  | { kind: 'point'; point: ReferencePoint; instance?: string }
  | { kind: 'declare'; metric: string; type: string; contains: unknown }
  | { kind: 'reject'; metric?: string; notJson?: boolean };

function parseLine(line: string, declared: Map<string, { type: string; contains: unknown }>, o: ReferenceOptions): Parsed {
  if (line.trim() === '') return { kind: 'skip' };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { kind: 'reject', metric: namedMetric(line), notJson: true };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'reject' };
  const { type, metric, data } = raw as Record<string, unknown>;
  const name = typeof metric === 'string' && metric !== '' ? metric : undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { kind: 'reject', metric: name };
  const d = data as Record<string, unknown>;
  if (type === 'Metric' && name && ['counter', 'gauge', 'rate', 'trend'].includes(d.type as string)) {
    return { kind: 'declare', metric: name, type: d.type as string, contains: d.contains };
  }
  if (type !== 'Point' || !name) return { kind: 'reject', metric: name };
  const time = typeof d.time === 'string' && TIME.test(d.time) ? d.time : undefined;
  const fraction = time ? (/\.(\d+)/.exec(time)?.[1] ?? '') : '';
  const seconds = time ? Date.parse(time.replace(/\.\d+/, '')) : Number.NaN;
  if (Number.isNaN(seconds) || typeof d.value !== 'number' || !Number.isFinite(d.value)) return { kind: 'reject', metric: name };
  const tags = d.tags ?? {};
  if (typeof tags !== 'object' || Array.isArray(tags)) return { kind: 'reject', metric: name };
  if (Object.values(tags).some((v) => typeof v !== 'string')) return { kind: 'reject', metric: name };
  const decl = declared.get(name);
  const nonNegative =
    decl?.type === 'counter' || (decl?.type === 'trend' && decl.contains === 'time') || (o.nonNegative?.has(name) ?? false);
  if (d.value < 0 && nonNegative) return { kind: 'reject', metric: name };
  const digits = `${fraction}000000000`.slice(0, 9);
  const sorted = Object.fromEntries(Object.entries(tags as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    kind: 'point',
    point: {
      metric: name,
      tags: JSON.stringify(sorted),
      time: seconds + Number(digits.slice(0, 3)),
      ns: Number(digits.slice(3)),
      value: d.value,
    },
    instance: (tags as Record<string, string>).instance_id,
  };
}

/** Reads one file's bytes (gzipped or not) the plain way. */
export function referenceRead(bytes: Buffer, o: ReferenceOptions): ReferenceFile {
  const content = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const newlines = content.reduce((n, b) => n + (b === 10 ? 1 : 0), 0);
  const out: ReferenceFile = {
    points: [],
    rejected: [],
    lines: newlines + (content.length > 0 && content[content.length - 1] !== 10 ? 1 : 0),
    instanceIds: new Set(),
  };
  let text = content.toString('utf8');
  if (text.startsWith('\ufeff')) text = text.slice(1);
  const lines = text.split('\n');
  const declared = new Map<string, { type: string; contains: unknown }>();
  const reads = (m: string | undefined) => m === undefined || o.metrics === undefined || o.metrics.has(m);
  lines.forEach((raw, i) => {
    const final = i === lines.length - 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (final && raw === '') return;
    if (Buffer.byteLength(line) > o.maxLineBytes) {
      const metric = namedMetric(line);
      if (reads(metric)) out.rejected.push({ line: i + 1, ...(metric !== undefined ? { metric } : {}) });
      return;
    }
    if (!reads(namedMetric(line))) return;
    const p = parseLine(line, declared, o);
    if (p.kind === 'declare') declared.set(p.metric, { type: p.type, contains: p.contains });
    if (p.kind === 'reject' && reads(p.metric)) {
      if (final && p.notJson) out.truncated = i + 1;
      else out.rejected.push({ line: i + 1, ...(p.metric !== undefined ? { metric: p.metric } : {}) });
    }
    if (p.kind === 'point' && reads(p.point.metric)) {
      out.points.push(p.point);
      if (p.instance !== undefined) out.instanceIds.add(p.instance);
    }
  });
  return out;
}

const keyOf = (p: ReferencePoint) => `${p.metric}|${p.tags}|${p.time}|${p.ns}|${Object.is(p.value, -0) ? '-0' : p.value}`;

/** Whether two files are one runner's output read twice, by the rule the reader documents; undefined if not. */
export function referenceDuplicate(a: ReferenceFile, b: ReferenceFile): string | undefined {
  for (const id of a.instanceIds) if (b.instanceIds.has(id)) return 'instance';
  if (a.points.length === 0 || b.points.length === 0) return undefined;
  const sorted = (f: ReferenceFile) => f.points.map(keyOf).sort().join('\n');
  if (sorted(a) === sorted(b)) return 'same points';
  const head = (f: ReferenceFile) => f.points.slice(0, 32).map(keyOf).join('\n');
  if (head(a) === head(b)) return 'same head';
  return undefined;
}
