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
