import { createReadStream, existsSync } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import type { K6Point, K6PointSink, RejectedLine } from '../core/k6-output.ts';
import { type K6Fingerprint, K6Scanner, K6TagTable } from '../core/k6-scanner.ts';
import { MAX_LISTED_REJECTIONS } from './read-blocks.ts';
import { type RejectionLog, readOnTwoThreads, startReadWorkerEarly } from './read-parallel.ts';

/**
 * Where k6 points come from: an NDJSON file path (plain or gzipped, as `--out json=FILE` or `json=FILE.gz` writes
 * it), or a live stream of points (the synthetics launcher yields one while k6 runs).
 */
export type PointSource = string | AsyncIterable<K6Point> | Iterable<K6Point>;

/** A line the reader did not take, with its file. */
export interface RejectedInput extends RejectedLine {
  source: string;
}

/** What a read saw, for reports and for telling an empty result from a missing one. */
export interface ReadStats {
  /** Files and streams read. */
  sources: number;
  lines: number;
  points: number;
  /** Lines parsed by `JSON.parse` because they did not have k6's fixed Point shape. */
  slowLines: number;
  /** A final line cut short (k6 killed mid-write) that was skipped, as `file:line`. */
  truncatedTail: string[];
  /** Files read on two threads (see `ReadOptions.threads`). */
  twoThreadFiles: number;
  /** Rejected lines of the metrics read (or naming none), the first `MAX_LISTED_REJECTIONS` in reading order. */
  rejected: RejectedInput[];
  /** Every rejected line, counted per metric ('' for a line that names no metric). */
  rejectedByMetric: Record<string, number>;
}

export interface ReadOptions {
  /** Bytes read at a time. */
  chunkBytes?: number;
  /** Read only these metrics: lines of others are counted and skipped unparsed. Default: every metric. */
  metrics?: ReadonlySet<string>;
  /** Metrics read as durations or counts: a negative value is rejected (see `valueProblem`). */
  nonNegative?: ReadonlySet<string>;
  /** One table across sources, so equal tag sets from different files share one tags object. */
  tags?: K6TagTable;
  /** Sources holding the same points (one file twice, a copy, one runner's output twice) are refused by default. */
  duplicates?: 'refuse' | 'allow';
  maxLineBytes?: number;
  /**
   * Threads for one plain file: 2 reads it by blocks of bytes, this thread and a worker each taking the next block in
   * turn. Default: 2 for plain files of `PARALLEL_MIN_BYTES` or more on a machine with two cores or more,
   * else 1 (a gzipped file is read on one thread; its inflating runs on libuv's threads beside it).
   */
  threads?: 1 | 2;
  /** Bytes of a block of a read on two threads. Default `BLOCK_BYTES`. */
  blockBytes?: number;
  /** The most blocks this thread reads on two threads (the worker reads the rest); for tests. Default: no limit. */
  callerBlocks?: number;
}

/** Below this a second thread costs more to start than it saves. */
export const PARALLEL_MIN_BYTES = 16 << 20;
/** Small enough that the two threads end within a block of each other, large enough that a block costs no overhead. */
export const BLOCK_BYTES = 4 << 20;

export { MAX_LISTED_REJECTIONS };

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const DEFAULT_CHUNK_BYTES = 1 << 18;

export function emptyStats(): ReadStats {
  return { sources: 0, lines: 0, points: 0, slowLines: 0, truncatedTail: [], twoThreadFiles: 0, rejected: [], rejectedByMetric: {} };
}

/** Rejected lines in total. */
export function rejectedCount(stats: ReadStats): number {
  return Object.values(stats.rejectedByMetric).reduce((a, b) => a + b, 0);
}

function cannotRead(path: string, err: unknown): InfrastructureError {
  const code = (err as NodeJS.ErrnoException).code;
  return new InfrastructureError(`cannot read k6 results ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
    cause: err,
  });
}

/** Whether a file is gzipped, told by its content (k6 gzips whenever the name ends in .gz, and people rename files). */
async function isGzipped(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/**
 * The bytes of one NDJSON file, plain or gzipped (told by its content: k6 gzips whenever the name ends in .gz, and
 * people rename files), chunk by chunk. A plain file's next chunk is already being read (on libuv's threads) while
 * the consumer scans this one; a chunk is valid until the consumer asks for the next.
 */
export async function* chunksOf(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    if (bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
      const raw = createReadStream(path, { highWaterMark: chunkBytes });
      const stream = raw.pipe(createGunzip({ chunkSize: Math.max(chunkBytes, 64) }));
      raw.on('error', (err) => stream.destroy(err));
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
      } finally {
        stream.destroy();
      }
      return;
    }
    let current = Buffer.allocUnsafe(chunkBytes);
    let next = Buffer.allocUnsafe(chunkBytes);
    pending = handle.read(current, 0, chunkBytes, 0);
    for (let position = 0; ; ) {
      const { bytesRead: n } = await pending;
      if (n === 0) break;
      position += n;
      pending = handle.read(next, 0, chunkBytes, position);
      yield current.subarray(0, n);
      [current, next] = [next, current];
    }
  } catch (err) {
    if (err instanceof InfrastructureError || err instanceof ConfigError) throw err;
    throw cannotRead(path, err);
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
}

/** Where a read's rejected lines go: every one counted per metric, the first ones listed with their file. */
function rejectionLog(path: string, stats: ReadStats): RejectionLog {
  return {
    count(metric: string | undefined, n = 1): void {
      const key = metric ?? '';
      stats.rejectedByMetric[key] = (stats.rejectedByMetric[key] ?? 0) + n;
    },
    list(r: RejectedLine): void {
      if (stats.rejected.length < MAX_LISTED_REJECTIONS) stats.rejected.push({ source: path, ...r });
    },
  };
}

function scannerFor(sink: K6PointSink, log: RejectionLog, options: ReadOptions): K6Scanner {
  return new K6Scanner({
    sink,
    metrics: options.metrics,
    nonNegative: options.nonNegative,
    tags: options.tags,
    maxLineBytes: options.maxLineBytes,
    onReject: (r) => {
      log.count(r.metric);
      log.list(r);
    },
  });
}

function account(path: string, scanner: K6Scanner, stats: ReadStats): void {
  stats.lines += scanner.line;
  stats.points += scanner.points;
  stats.slowLines += scanner.slowLines;
  if (scanner.truncatedLine !== undefined) stats.truncatedTail.push(`${path}:${scanner.truncatedLine}`);
  stats.sources++;
}

/** The size of a file to read on two threads, or undefined to read it on one. */
async function twoThreadSize(path: string, options: ReadOptions): Promise<number | undefined> {
  if (options.threads === 1) return undefined;
  if (options.threads === undefined && availableParallelism() < 2) return undefined;
  const size = await stat(path).then(
    (st) => st.size,
    () => 0,
  );
  if (size === 0 || (options.threads === undefined && size < PARALLEL_MIN_BYTES)) return undefined;
  return (await isGzipped(path).catch(() => true)) ? undefined : size;
}

/**
 * Starts the second thread of a read ahead of it when one of `paths` will be read on two threads (see
 * `startReadWorkerEarly`): called before the work that decides what to read. True when one will.
 */
export async function startReadingEarly(paths: readonly string[]): Promise<boolean> {
  for (const path of paths) {
    if ((await twoThreadSize(path, {})) !== undefined) {
      startReadWorkerEarly();
      return true;
    }
  }
  return false;
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

/** Reads one NDJSON file (plain or gzipped) into `sink`; returns what it held, for duplicate checks. */
export async function readFileInto(
  path: string,
  sink: K6PointSink,
  stats: ReadStats = emptyStats(),
  options: ReadOptions = {},
): Promise<K6Fingerprint> {
  const log = rejectionLog(path, stats);
  const scanner = scannerFor(sink, log, options);
  const size = await twoThreadSize(path, options);
  if (size !== undefined) {
    const blockBytes = options.blockBytes ?? BLOCK_BYTES;
    const plan = {
      path,
      size,
      blockBytes,
      blocks: Math.ceil(size / blockBytes),
      metrics: options.metrics ? [...options.metrics] : undefined,
      nonNegative: [...(options.nonNegative ?? [])],
      maxLineBytes: options.maxLineBytes,
      chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    };
    const cannot = (err: unknown) => cannotRead(path, err);
    if (await readOnTwoThreads(plan, scanner, log, { callerBlocks: options.callerBlocks, cannotRead: cannot })) stats.twoThreadFiles++;
  } else {
    for await (const chunk of chunksOf(path, options.chunkBytes ?? DEFAULT_CHUNK_BYTES)) scanner.feed(chunk);
    scanner.end();
  }
  account(path, scanner, stats);
  return scanner.fingerprint();
}

function toArray(sources: PointSource | readonly PointSource[]): PointSource[] {
  if (typeof sources === 'string') return [sources];
  if (Array.isArray(sources)) return [...(sources as PointSource[])];
  return [sources as PointSource];
}

/** Why two sources are the same runner's output, or undefined. */
function sameRunner(a: K6Fingerprint, b: K6Fingerprint): string | undefined {
  for (const id of a.instanceIds) if (b.instanceIds.has(id)) return `both hold k6 runner instance_id=${id}`;
  if (a.points === 0 || b.points === 0) return undefined;
  if (a.points === b.points && a.sumA === b.sumA && a.sumB === b.sumB) return `they hold the same ${a.points} points`;
  if (a.head === b.head) return 'they start with the same points (one runner read twice)';
  return undefined;
}

/**
 * Refuses sources that would count one runner's points twice: the same file named twice (also through a link), an
 * identical copy, a gzipped copy, or a copy taken while k6 was still writing (by a hash of the points read, and
 * of the first ones in order), and two files of one k6-operator runner (its `instance_id` tag).
 */
function refuseDuplicates(read: { path: string; print: K6Fingerprint }[]): void {
  const problems: { path: string; message: string }[] = [];
  for (let i = 0; i < read.length; i++) {
    for (let j = i + 1; j < read.length; j++) {
      const a = read[i] as (typeof read)[number];
      const b = read[j] as (typeof read)[number];
      const why = a.path === b.path ? 'the same file given twice' : sameRunner(a.print, b.print);
      if (why) problems.push({ path: 'results', message: `${a.path} and ${b.path} are one k6 run's output read twice: ${why}` });
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

/**
 * Feeds every point of every source into `sink` (the fast path: no object per point). Sources are read one after
 * another; a consumer that needs time order (the series) sorts itself, so the order of files does not matter.
 * Rejected lines are counted in the stats, never passed on; sources holding the same points are refused (exit 2).
 */
export async function readInto(
  sources: PointSource | readonly PointSource[],
  sink: K6PointSink,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const stats = emptyStats();
  const tags = options.tags ?? new K6TagTable();
  const read: { path: string; print: K6Fingerprint }[] = [];
  for (const source of toArray(sources)) {
    if (typeof source === 'string') {
      read.push({ path: source, print: await readFileInto(source, sink, stats, { ...options, tags }) });
      continue;
    }
    for await (const p of source as AsyncIterable<K6Point>) {
      stats.lines++;
      if (options.metrics && !options.metrics.has(p.metric)) continue;
      stats.points++;
      sink(p.metric, tags.intern(p.tags), p.time, p.value);
    }
    stats.sources++;
  }
  if (options.duplicates !== 'allow') refuseDuplicates(read);
  return stats;
}

/** Points of one source in batches, so the merge below pays one await per batch, not per point. */
async function* batches(source: PointSource, options: ReadOptions & { tags: K6TagTable }): AsyncGenerator<K6Point[]> {
  let batch: K6Point[] = [];
  if (typeof source !== 'string') {
    for await (const p of source as AsyncIterable<K6Point>) {
      batch.push(p);
      if (batch.length >= 4096) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
    return;
  }
  const log = rejectionLog(source, emptyStats());
  const scanner = scannerFor((metric, tags, time, value) => batch.push({ metric, time, value, tags }), log, options);
  for await (const chunk of chunksOf(source, options.chunkBytes ?? DEFAULT_CHUNK_BYTES)) {
    scanner.feed(chunk);
    if (batch.length) {
      yield batch;
      batch = [];
    }
  }
  scanner.end();
  if (batch.length) yield batch;
}

interface Cursor {
  it: AsyncIterator<K6Point[]>;
  batch: K6Point[];
  at: number;
}

async function advance(c: Cursor): Promise<boolean> {
  while (c.at >= c.batch.length) {
    const next = await c.it.next();
    if (next.done) return false;
    c.batch = next.value;
    c.at = 0;
  }
  return true;
}

/**
 * Every point of one or many sources as one stream (plain files; rejected lines are skipped). Several sources (the
 * files of parallel runners, or a live run plus files) are interleaved by time: at each step the source whose next
 * point is earliest goes first. Each source keeps its own order, so the result is in time order when each source
 * is. Memory: one batch per source.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 */
export async function* readPoints(sources: PointSource | readonly PointSource[], options: ReadOptions = {}): AsyncGenerator<K6Point> {
  const opts = { ...options, tags: options.tags ?? new K6TagTable() };
  const all = toArray(sources);
  if (all.length === 1) {
    for await (const batch of batches(all[0] as PointSource, opts)) yield* batch;
    return;
  }
  const cursors: Cursor[] = [];
  try {
    for (const s of all) {
      const c: Cursor = { it: batches(s, opts)[Symbol.asyncIterator](), batch: [], at: 0 };
      if (await advance(c)) cursors.push(c);
    }
    while (cursors.length) {
      let best = 0;
      for (let i = 1; i < cursors.length; i++) {
        const ci = cursors[i] as Cursor;
        const cb = cursors[best] as Cursor;
        if ((ci.batch[ci.at] as K6Point).time < (cb.batch[cb.at] as K6Point).time) best = i;
      }
      const c = cursors[best] as Cursor;
      yield c.batch[c.at++] as K6Point;
      if (c.at >= c.batch.length && !(await advance(c))) cursors.splice(best, 1);
    }
  } finally {
    for (const c of cursors) await c.it.return?.(undefined);
  }
}
