// Where a remote run lives in S3, and what a runner writes there. The orchestrator uploads one k6 archive per vantage;
// each runner writes numbered chunks of k6's NDJSON (gzipped, complete lines only) and a manifest it rewrites after
// every chunk (its heartbeat) and once more when it has finished. Pure: keys and formats only.

/** `s3://bucket/key` parsed. */
export interface S3Location {
  bucket: string;
  key: string;
}

/** Pure: `s3://bucket/some/key` → its bucket and key; undefined when it is not one. */
export function parseS3Url(url: string): S3Location | undefined {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.*)$/.exec(url);
  if (!m) return undefined;
  return { bucket: m[1] as string, key: (m[2] as string).replace(/\/+$/, '') };
}

/** Pure: the `s3://` URL of a location. */
export function s3Url(l: S3Location): string {
  return `s3://${l.bucket}/${l.key}`;
}

/** Pure: the key prefix of one run: `<prefix>/<project>/<run>`. */
export function runKey(prefix: string, project: string, run: string): string {
  return [prefix.replace(/^\/+|\/+$/g, ''), project, run].filter((p) => p !== '').join('/');
}

/** Pure: the key of a vantage's k6 archive within a run. */
export function archiveKey(run: string, vantage: string): string {
  return `${run}/archives/${vantage}.tar`;
}

/** Pure: the folder a runner writes to within a run. */
export function runnerKey(run: string, runnerId: string): string {
  return `${run}/runners/${runnerId}`;
}

/** Pure: the key of a runner's n-th chunk (1-based), zero-padded so keys sort in order. */
export function chunkKey(runner: string, n: number): string {
  return `${runner}/chunk-${String(n).padStart(6, '0')}.ndjson.gz`;
}

export const MANIFEST = 'manifest.json';
export const SUMMARY = 'summary.json';

/** How a runner measured its clock against a time server (NTP's offset: server time minus local time). */
export interface ClockReading {
  /** Add this to the runner's timestamps to get the time server's. */
  offsetMs: number;
  /** Half the round trip of the best sample: the offset is known within this. */
  uncertaintyMs: number;
  server: string;
  /** When it was measured, by the runner's clock. */
  at: number;
}

/** Why a runner ended. */
export type RunnerEnd =
  /** k6 ran to its own end. */
  | 'finished'
  /** Asked to stop (SIGTERM from ECS StopTask, a pod deletion). */
  | 'stopped'
  /** Its hard deadline came first: it stopped k6 itself. */
  | 'deadline'
  /** k6 could not run (archive missing, k6 not found, k6 refused the script). */
  | 'failed';

/** What a runner says about itself, rewritten after each chunk and once more at the end. */
export interface RunnerManifest {
  version: 1;
  runner: {
    id: string;
    vantage: string;
    /** k6 execution segment, when the vantage's load is split across runners. */
    segment?: string;
    host: string;
    /** The ECS task or pod it runs as, when it can tell. */
    task?: string;
  };
  k6: { version: string | null };
  /** Measured before k6 started (`start`) and after it ended (`end`); null when the time server did not answer. */
  clock: { start: ClockReading | null; end?: ClockReading | null; error?: string };
  state: 'running' | 'finished';
  /** Runner clock, ms since the epoch. */
  startedAt: number;
  /** When k6 started, if it did. */
  k6StartedAt?: number;
  updatedAt: number;
  /** The hard deadline: the runner stops k6 and itself then, whatever happens. */
  deadline: number;
  /** Chunks uploaded so far: chunk-000001 .. chunk-<chunks>. */
  chunks: number;
  /** NDJSON lines in those chunks. */
  lines: number;
  /** Set in the final manifest. */
  end?: { reason: RunnerEnd; exitCode: number | null; signal: string | null; endedAt: number; detail?: string };
}

/** Pure: a manifest read back, or why it is not one. */
export function parseManifest(text: string): RunnerManifest | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const m = v as Partial<RunnerManifest>;
  if (typeof m !== 'object' || m === null || m.version !== 1) return 'not a runner manifest (version 1)';
  if (typeof m.chunks !== 'number' || typeof m.updatedAt !== 'number' || typeof m.runner?.id !== 'string')
    return 'manifest without chunks, time or runner';
  return m as RunnerManifest;
}

/**
 * Pure: k6's `--execution-segment` and `--execution-segment-sequence` for runner `index` of `count`, so that the
 * runners of one vantage share its load between them exactly as k6-operator's parallelism does.
 * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#execution-segment
 */
export function segmentArgs(index: number, count: number): string[] {
  if (count <= 1) return [];
  const at = (i: number) => (i === 0 ? '0' : i === count ? '1' : `${i}/${count}`);
  const sequence = Array.from({ length: count + 1 }, (_, i) => at(i)).join(',');
  return ['--execution-segment', `${at(index)}:${at(index + 1)}`, '--execution-segment-sequence', sequence];
}
