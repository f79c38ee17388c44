/**
 * One sample from k6's JSON output (`--out json=FILE`): a `{"type":"Point","metric":...,"data":{...}}` line.
 * `vu` and `iter` are metadata, not tags, and are not kept.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 */
export interface K6Point {
  metric: string;
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
  tags: Record<string, string>;
}

/** A `{"type":"Metric",...}` line: declares a metric's type once, before its points. */
export interface K6MetricDeclaration {
  metric: string;
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: 'default' | 'time' | 'data';
}

export type K6Line = { kind: 'point'; point: K6Point } | { kind: 'metric'; metric: K6MetricDeclaration };

interface RawLine {
  type?: string;
  metric?: string;
  data?: {
    time?: string;
    value?: number;
    tags?: Record<string, string> | null;
    type?: K6MetricDeclaration['type'];
    contains?: K6MetricDeclaration['contains'];
  };
}

/** Parses one NDJSON line of k6 output; undefined for blank or foreign lines. Throws on malformed JSON. */
export function parseK6Line(line: string): K6Line | undefined {
  if (line.trim() === '') return undefined;
  const raw = JSON.parse(line) as RawLine;
  if (raw.type === 'Point' && raw.metric && raw.data && typeof raw.data.value === 'number' && raw.data.time) {
    return {
      kind: 'point',
      point: { metric: raw.metric, time: Date.parse(raw.data.time), value: raw.data.value, tags: raw.data.tags ?? {} },
    };
  }
  if (raw.type === 'Metric' && raw.metric && raw.data?.type) {
    return { kind: 'metric', metric: { metric: raw.metric, type: raw.data.type, contains: raw.data.contains } };
  }
  return undefined;
}

/**
 * Receives decoded points without a `K6Point` object per line. `tags` is interned: every point with the same tag set
 * (as the decoder saw it) gets the same frozen object, so a consumer can group by object identity.
 */
export type K6PointSink = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number) => void;

const POINT_HEAD = '{"metric":"';
const POINT_MID = '","type":"Point","data":{"time":"';
const VALUE_KEY = '","value":';
const TAGS_KEY = ',"tags":';
const MAX_CACHED_TAG_SETS = 50_000;

/**
 * A fast decoder of k6 NDJSON lines, equivalent to `parseK6Line` but without a `JSON.parse` per line.
 *
 * k6 writes every Point line with one fixed shape (`{"metric":M,"type":"Point","data":{"time":T,"value":V,"tags":{...}}}`)
 * and the tags of consecutive lines repeat (one request yields a dozen metrics with the same tags). So the decoder
 * checks the fixed parts with `startsWith`, parses each distinct tags object once, parses each distinct second of
 * time once, and compares the raw tags text with the previous line's before hashing it. Any line that does not have
 * exactly that shape goes through `parseK6Line`, so the result is the same either way, only slower.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 */
export class K6LineDecoder {
  /** Raw tags text → interned tags object. */
  private readonly tagsByText = new Map<string, Readonly<Record<string, string>>>();
  /** Canonical tags text (sorted keys) → interned object, so fallback lines share the fast path's objects. */
  private readonly tagsByCanonical = new Map<string, Readonly<Record<string, string>>>();
  private lastTagsText = '';
  private lastTags: Readonly<Record<string, string>> | undefined;
  private lastSecondKey = '';
  private lastSecondMs = 0;
  /** Metric declarations seen so far (`{"type":"Metric"}` lines). */
  readonly declarations = new Map<string, K6MetricDeclaration>();
  /** Point lines that went through the slow path (`JSON.parse`), for the bench and for tests of the fast path. */
  slowLines = 0;

  /** Decodes one line (without its newline). Returns false for lines that are not points. Throws on malformed JSON. */
  decode(line: string, sink: K6PointSink): boolean {
    if (line.startsWith(POINT_HEAD)) {
      const metricEnd = line.indexOf('"', POINT_HEAD.length);
      if (metricEnd > POINT_HEAD.length && line.startsWith(POINT_MID, metricEnd)) {
        const metric = line.slice(POINT_HEAD.length, metricEnd);
        const timeStart = metricEnd + POINT_MID.length;
        const timeEnd = line.indexOf('"', timeStart);
        const valueStart = timeEnd + VALUE_KEY.length;
        const valueEnd = timeEnd < 0 ? -1 : line.indexOf(',', valueStart);
        let end = line.length;
        if (line.charCodeAt(end - 1) === 13) end--; // CRLF
        if (
          timeEnd > 0 &&
          valueEnd > 0 &&
          metric.indexOf('\\') < 0 &&
          line.startsWith(VALUE_KEY, timeEnd) &&
          line.startsWith(TAGS_KEY, valueEnd) &&
          line.charCodeAt(valueEnd + TAGS_KEY.length) === 123 && // {
          line.charCodeAt(end - 1) === 125 && // }
          line.charCodeAt(end - 2) === 125 &&
          line.charCodeAt(end - 3) === 125
        ) {
          const time = this.time(line, timeStart, timeEnd);
          const value = Number(line.slice(valueStart, valueEnd));
          const tags = this.tags(line.slice(valueEnd + TAGS_KEY.length, end - 2));
          if (!Number.isNaN(time) && Number.isFinite(value) && tags) {
            sink(metric, tags, time, value);
            return true;
          }
        }
      }
    }
    return this.slow(line, sink);
  }

  private slow(line: string, sink: K6PointSink): boolean {
    const parsed = parseK6Line(line);
    if (!parsed) return false;
    if (parsed.kind === 'metric') {
      this.declarations.set(parsed.metric.metric, parsed.metric);
      return false;
    }
    const p = parsed.point;
    if (Number.isNaN(p.time)) return false;
    this.slowLines++;
    sink(p.metric, this.intern(p.tags), p.time, p.value);
    return true;
  }

  /** The interned, frozen copy of a tags object: equal tag sets give the same object. */
  intern(tags: Record<string, string>): Readonly<Record<string, string>> {
    const keys = Object.keys(tags).sort();
    const sorted: Record<string, string> = {};
    for (const k of keys) sorted[k] = String(tags[k]);
    const canonical = JSON.stringify(sorted);
    let found = this.tagsByCanonical.get(canonical);
    if (!found) {
      found = Object.freeze(sorted);
      this.tagsByCanonical.set(canonical, found);
    }
    return found;
  }

  private tags(text: string): Readonly<Record<string, string>> | undefined {
    if (text === this.lastTagsText && this.lastTags) return this.lastTags;
    let tags = this.tagsByText.get(text);
    if (!tags) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      for (const v of Object.values(parsed)) if (typeof v !== 'string') return undefined;
      tags = this.intern(parsed as Record<string, string>);
      // A copy of the key: a slice would keep the whole read chunk alive for as long as the map lives.
      // Tag sets that never repeat (a `url` tag per item id) must not grow the caches without end: start over
      // when they are large. Equal tag sets may then get two objects, which costs a partition, not correctness.
      if (this.tagsByText.size >= MAX_CACHED_TAG_SETS) {
        this.tagsByText.clear();
        this.tagsByCanonical.clear();
      }
      this.tagsByText.set(Buffer.from(text).toString(), tags);
    }
    this.lastTagsText = text;
    this.lastTags = tags;
    return tags;
  }

  /**
   * RFC 3339 time to ms since the epoch, as `Date.parse` gives it (fraction truncated to ms). The part up to the
   * seconds and the zone suffix is parsed once per distinct second; only the fraction is read per line.
   */
  private time(line: string, start: number, end: number): number {
    // 2026-11-23T04:49:32.52617657Z or ...32.526+02:00 or ...32Z
    const secondsEnd = start + 19;
    if (end < secondsEnd + 1 || line.charCodeAt(start + 10) !== 84 /* T */) return Date.parse(line.slice(start, end));
    let fractionEnd = secondsEnd;
    let ms = 0;
    if (line.charCodeAt(secondsEnd) === 46 /* . */) {
      fractionEnd = secondsEnd + 1;
      let digits = 0;
      for (;;) {
        const c = line.charCodeAt(fractionEnd);
        if (c < 48 || c > 57) break;
        if (digits < 3) ms = ms * 10 + (c - 48);
        digits++;
        fractionEnd++;
      }
      if (digits === 0) return Date.parse(line.slice(start, end));
      for (; digits < 3; digits++) ms *= 10;
    }
    const key = line.slice(start, secondsEnd) + line.slice(fractionEnd, end);
    if (key !== this.lastSecondKey) {
      this.lastSecondMs = Date.parse(key);
      this.lastSecondKey = key;
    }
    return this.lastSecondMs + ms;
  }
}
