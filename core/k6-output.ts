/**
 * k6's JSON output (`--out json=FILE`), line by line: what a line is, what k6 can have written, and the plain
 * reference parser. The fast byte scanner (`k6-scanner.ts`) must give the same answer for every line; it uses the
 * rules here for everything it does not do itself.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 */

/**
 * One sample: a `{"metric":M,"type":"Point","data":{"time":T,"value":V,"tags":{...}}}` line. `vu` and `iter` are
 * metadata, not tags, and are not kept.
 */
export interface K6Point {
  metric: string;
  /** Milliseconds since the epoch (the fraction truncated to the millisecond, as `Date.parse` does). */
  time: number;
  value: number;
  tags: Record<string, string>;
}

export type K6MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** A `{"type":"Metric",...}` line: declares a metric's type once, before its first point. */
export interface K6MetricDeclaration {
  metric: string;
  type: K6MetricType;
  contains?: 'default' | 'time' | 'data';
}

/**
 * What one line is. A point carries `ns`, the nanoseconds below its millisecond; a rejected line names its metric
 * when the line says it (see `lineMetric`), and is `malformed` when it is not JSON at all (as a final line cut short).
 */
export type K6Line =
  | { kind: 'point'; point: K6Point; ns: number }
  | { kind: 'metric'; metric: K6MetricDeclaration }
  | { kind: 'blank' }
  | { kind: 'rejected'; metric?: string; reason: string; malformed?: true };

/**
 * Receives decoded points without a `K6Point` object per line. `tags` is interned: every point with the same tag set
 * gets the same frozen object, so a consumer can group by object identity.
 */
export type K6PointSink = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number) => void;

/** A line the reader would not take, where it is, and why. */
export interface RejectedLine {
  /** 1-based line number in its source. */
  line: number;
  /** The metric the line names, when it names one. */
  metric?: string;
  reason: string;
}

/** Every line k6 writes for a point starts with this, then the metric name. */
export const POINT_PREFIX = '{"metric":"';
/** k6 writes at most nanoseconds; the seconds part and the zone are RFC 3339. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const METRIC_TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'rate', 'trend']);

/**
 * The metric a line names by its first key, as k6 writes every point (`{"metric":"NAME"`, NAME without escapes), or
 * undefined. This is how a reader tells the lines it reads from those it skips without parsing them.
 */
export function lineMetric(line: string): string | undefined {
  if (!line.startsWith(POINT_PREFIX)) return undefined;
  const end = line.indexOf('"', POINT_PREFIX.length);
  const name = end < 0 ? '' : line.slice(POINT_PREFIX.length, end);
  return name !== '' && !name.includes('\\') ? name : undefined;
}

/**
 * An RFC 3339 time as k6 writes it (`2026-11-23T04:49:32.52617657Z`, or with a `+02:00` zone) split into the
 * millisecond (as `Date.parse` gives it) and the nanoseconds below it; undefined for anything else.
 */
export function parseTime(text: string): { ms: number; ns: number } | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const fraction = m[1] ?? '';
  const seconds = Date.parse(fraction ? text.slice(0, 19) + text.slice(19 + fraction.length) : text);
  if (Number.isNaN(seconds)) return undefined;
  const digits = `${fraction.slice(1)}000000000`.slice(0, 9);
  return { ms: seconds + Number(digits.slice(0, 3)), ns: Number(digits.slice(3)) };
}

/**
 * Why a point's value is one k6 cannot have measured, or undefined: a counter only counts up (a negative increment
 * would make it non-monotonic), a time trend is a duration, and `nonNegative` holds for metrics read as durations or
 * counts whatever their declaration says (a file without `Metric` lines, or a custom trend of milliseconds).
 */
export function valueProblem(
  metric: string,
  value: number,
  declared: K6MetricDeclaration | undefined,
  nonNegative: boolean,
): string | undefined {
  if (!Number.isFinite(value)) return `value of ${metric} is not a finite number`;
  if (value >= 0) return undefined;
  if (declared?.type === 'counter') return `negative increment ${value} of counter ${metric} (a counter never decreases)`;
  if (declared?.type === 'trend' && declared.contains === 'time') return `negative duration ${value} of ${metric}`;
  if (nonNegative) return `negative value ${value} of ${metric}, which the gates read as a duration or a count`;
  return undefined;
}

function tagsOf(raw: unknown): Record<string, string> | string {
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) return 'tags is not an object';
  for (const [k, v] of Object.entries(raw)) if (typeof v !== 'string') return `tag ${k} is not a string`;
  return raw as Record<string, string>;
}

function pointOf(metric: unknown, data: Record<string, unknown>): K6Line {
  if (typeof metric !== 'string' || metric === '') return { kind: 'rejected', reason: 'a Point without a metric name' };
  const rejected = (reason: string): K6Line => ({ kind: 'rejected', metric, reason });
  const time = typeof data.time === 'string' ? parseTime(data.time) : undefined;
  if (!time) return rejected(`time ${JSON.stringify(data.time)} is not an RFC 3339 time`);
  if (typeof data.value !== 'number') return rejected(`value ${JSON.stringify(data.value) ?? 'missing'} is not a number`);
  if (!Number.isFinite(data.value)) return rejected(`value of ${metric} is not a finite number`);
  const tags = tagsOf(data.tags);
  if (typeof tags === 'string') return rejected(tags);
  return { kind: 'point', point: { metric, time: time.ms, value: data.value, tags }, ns: time.ns };
}

/**
 * Parses one line of k6 output (without its newline) the plain way: `JSON.parse` and checks. Only what k6 writes is
 * taken: a Point with a metric name, an RFC 3339 time, a finite number and string tags, or a Metric declaration;
 * anything else is rejected with the reason. Blank lines are nothing.
 */
export function parseK6Line(line: string): K6Line {
  if (line.trim() === '') return { kind: 'blank' };
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    return { kind: 'rejected', metric: lineMetric(line), reason: `not valid JSON (${(err as Error).message})`, malformed: true };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'rejected', reason: 'not a JSON object' };
  const { type, metric, data } = raw as { type?: unknown; metric?: unknown; data?: unknown };
  const named = typeof metric === 'string' && metric !== '' ? metric : undefined;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'rejected', metric: named, reason: 'no data object' };
  }
  const d = data as Record<string, unknown>;
  if (type === 'Point') return pointOf(metric, d);
  if (type === 'Metric' && named && typeof d.type === 'string' && METRIC_TYPES.has(d.type)) {
    const contains = d.contains === 'default' || d.contains === 'time' || d.contains === 'data' ? d.contains : undefined;
    return { kind: 'metric', metric: { metric: named, type: d.type as K6MetricType, ...(contains ? { contains } : {}) } };
  }
  return { kind: 'rejected', metric: named, reason: 'not a k6 Point or Metric line' };
}
