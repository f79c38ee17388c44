import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import type { K6Point, K6PointSink, RejectedLine } from '../core/k6-output.ts';
import { DEFAULT_MAX_LINE_BYTES, type K6Fingerprint, K6Scanner, K6TagTable } from '../core/k6-scanner.ts';

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
   * Threads for one file: 2 splits and filters the lines on a worker thread while this one decodes them. Default:
   * 2 for files of `PARALLEL_MIN_BYTES` or more on a machine with two cores or more, else 1.
   */
  threads?: 1 | 2;
}

/** Batches in flight between the filtering thread and this one. */
const SLOTS = 3;

/** Below this a second thread costs more to start than it saves. */
export const PARALLEL_MIN_BYTES = 16 << 20;

/** What the reading thread asks of the filtering one (read-worker.ts). */
export interface FilterRequest {
  path: string;
  metrics?: string[];
  maxLineBytes?: number;
  chunkBytes: number;
  /** Int32 [batches read], so the filtering thread waits instead of queueing the whole file. */
  acks: SharedArrayBuffer;
  /** Where the filtering thread writes the lines it hands on, one batch a slot, reused in turn. */
  slots: SharedArrayBuffer[];
}

/** Kinds of the lines in a batch: a line, the final line without a newline, or the first bytes of a line too long. */
export const LINE = { plain: 0, final: 1 } as const;
export const TOO_LONG = 2;

/** What the filtering thread sends back: lines to decode (bytes, where each ends, its number and kind), then done. */
export type FilterBatch =
  | { kind: 'lines'; slot: number; ends: Uint32Array; lines: Uint32Array; kinds: Uint8Array }
  | { kind: 'done'; lines: number }
  | { kind: 'error'; message: string };

/** How many rejected lines a read lists; the rest are only counted. */
export const MAX_LISTED_REJECTIONS = 20;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const DEFAULT_CHUNK_BYTES = 1 << 20;

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

function scannerFor(path: string, sink: K6PointSink, stats: ReadStats, options: ReadOptions): K6Scanner {
  return new K6Scanner({
    sink,
    metrics: options.metrics,
    nonNegative: options.nonNegative,
    tags: options.tags,
    maxLineBytes: options.maxLineBytes,
    onReject: (r) => {
      const key = r.metric ?? '';
      stats.rejectedByMetric[key] = (stats.rejectedByMetric[key] ?? 0) + 1;
      if (stats.rejected.length < MAX_LISTED_REJECTIONS) stats.rejected.push({ source: path, ...r });
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

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER = new URL(FROM_SOURCE ? './read-worker.ts' : './read-worker.js', import.meta.url).href;

/** tsx's ESM API (the `import` condition of `tsx/esm/api`, beside the CommonJS one `require` resolves). */
const TSX_API = FROM_SOURCE
  ? pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href
  : '';

/**
 * The filtering thread. If it cannot start, the read falls back to one thread. Built, it is plain JavaScript; run from the TypeScript sources (tests, scripts), a worker
 * does not inherit the parent's loader, so it registers tsx before importing the worker module.
 */
function startWorker(request: FilterRequest): Worker {
  const load = FROM_SOURCE
    ? `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })`
    : `import(${JSON.stringify(WORKER)})`;
  // A small heap: the worker holds a chunk and a few batches (outside the heap), so its share of the RSS stays small.
  return new Worker(load, { eval: true, workerData: request, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 } });
}

function decodeBatch(scanner: K6Scanner, b: Extract<FilterBatch, { kind: 'lines' }>, slots: readonly Buffer[]): void {
  const buf = slots[b.slot] as Buffer;
  let start = 0;
  for (let i = 0; i < b.ends.length; i++) {
    const end = b.ends[i] as number;
    const line = b.lines[i] as number;
    const kind = b.kinds[i] as number;
    if (kind === TOO_LONG) scanner.takeTooLong(line, buf.toString('utf8', start, end));
    else scanner.take(line, buf, start, end, kind === LINE.final);
    start = end;
  }
}

/**
 * Reads a file on two threads: a worker reads it, splits the lines and drops those of metrics no one reads; this
 * thread decodes the rest in order, so the answer is the one-thread answer, line numbers included. Resolves false,
 * having read nothing, when the worker cannot start (a loader it lacks): the caller then reads on one thread.
 */
function readOnTwoThreads(path: string, scanner: K6Scanner, options: ReadOptions): Promise<boolean> {
  const acks = new SharedArrayBuffer(4);
  const counter = new Int32Array(acks);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  // A slot holds a chunk's lines, or one line as long as the limit allows.
  const slotBytes = Math.max(chunkBytes, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES) + 8;
  const slots = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(slotBytes));
  const views = slots.map((shared) => Buffer.from(shared));
  const request: FilterRequest = {
    path,
    metrics: options.metrics ? [...options.metrics] : undefined,
    maxLineBytes: options.maxLineBytes,
    chunkBytes,
    acks,
    slots,
  };
  return new Promise((resolve, reject) => {
    let started = false;
    const worker = startWorker(request);
    const fail = (err: unknown) => {
      void worker.terminate();
      reject(err);
    };
    worker.on('error', (err) => (started ? fail(cannotRead(path, err)) : resolve(false)));
    worker.on('message', (m: FilterBatch) => {
      started = true;
      try {
        if (m.kind === 'error') return fail(new InfrastructureError(m.message));
        if (m.kind === 'done') {
          scanner.finish(m.lines);
          void worker.terminate();
          return resolve(true);
        }
        decodeBatch(scanner, m, views);
        Atomics.add(counter, 0, 1);
        Atomics.notify(counter, 0);
      } catch (err) {
        fail(err);
      }
    });
  });
}

async function useTwoThreads(path: string, options: ReadOptions): Promise<boolean> {
  if (options.threads !== undefined) return options.threads === 2;
  if (availableParallelism() < 2) return false;
  const size = await stat(path).then(
    (st) => st.size,
    () => 0,
  );
  return size >= PARALLEL_MIN_BYTES;
}

/** Reads one NDJSON file (plain or gzipped) into `sink`; returns what it held, for duplicate checks. */
export async function readFileInto(
  path: string,
  sink: K6PointSink,
  stats: ReadStats = emptyStats(),
  options: ReadOptions = {},
): Promise<K6Fingerprint> {
  const scanner = scannerFor(path, sink, stats, options);
  if ((await useTwoThreads(path, options)) && (await readOnTwoThreads(path, scanner, options))) stats.twoThreadFiles++;
  else {
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
  const scanner = scannerFor(source, (metric, tags, time, value) => batch.push({ metric, time, value, tags }), emptyStats(), options);
  for await (const chunk of chunksOf(source, options.chunkBytes ?? 1 << 18)) {
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
