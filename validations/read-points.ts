import { isAscii } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { InfrastructureError } from '../core/errors.ts';
import { K6LineDecoder, type K6Point, type K6PointSink } from '../core/k6-output.ts';

/**
 * Where k6 points come from: an NDJSON file path (plain or gzipped, as `--out json=FILE` or `json=FILE.gz` writes
 * it), or a live stream of points (the synthetics launcher yields one while k6 runs).
 */
export type PointSource = string | AsyncIterable<K6Point> | Iterable<K6Point>;

/** What a read saw, for reports and for telling an empty result from a missing one. */
export interface ReadStats {
  /** Files and streams read. */
  sources: number;
  lines: number;
  points: number;
  /** Lines parsed by `JSON.parse` because they did not have k6's fixed Point shape. */
  slowLines: number;
  /** A final line cut short (k6 killed mid-write) that was skipped, per file. */
  truncatedTail: string[];
}

export interface ReadOptions {
  /** Bytes read at a time; larger chunks mean fewer, longer strings. */
  chunkBytes?: number;
  /** One decoder across sources, so equal tag sets from different files share one tags object. */
  decoder?: K6LineDecoder;
}

const GZIP_MAGIC_0 = 0x1f;
const DEFAULT_CHUNK_BYTES = 1 << 20;
const GZIP_MAGIC_1 = 0x8b;

async function isGzip(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw new InfrastructureError(
      `cannot read k6 results ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    // By content, not by name: k6 gzips whenever the name ends in .gz, and people rename files.
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/**
 * Streams one NDJSON file line by line into `sink`, pausing after each chunk (the generator yields), so memory is
 * bounded by the chunk size whatever the file's size. A malformed line in the middle of a file is an error naming
 * the file and line; a malformed last line without a newline is what a k6 killed mid-write leaves, so it is skipped
 * and reported in the stats.
 */
async function* decodeFile(path: string, sink: K6PointSink, stats: ReadStats, options: ReadOptions): AsyncGenerator<void> {
  const decoder = options.decoder ?? new K6LineDecoder();
  const gz = await isGzip(path);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const raw = createReadStream(path, { highWaterMark: chunkBytes });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: chunkBytes })) : raw;
  if (gz) raw.on('error', (err) => stream.destroy(err));
  // Bytes after the last newline of the chunks so far: a newline byte never occurs inside a UTF-8 sequence, so
  // splitting there keeps characters whole, and each run of complete lines is decoded once.
  let carry: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  const slowBefore = decoder.slowLines;
  const one = (line: string): void => {
    lineNo++;
    if (line.length === 0) return;
    try {
      if (decoder.decode(line, sink)) stats.points++;
    } catch (err) {
      throw new InfrastructureError(`${path}:${lineNo}: not a k6 JSON output line (${(err as Error).message})`, { cause: err });
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const last = chunk.lastIndexOf(10);
      if (last < 0) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const head = carry.length ? Buffer.concat([carry, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
      carry = Buffer.from(chunk.subarray(last + 1));
      // k6 output is almost always ASCII, where latin1 is a plain copy and much cheaper than UTF-8 decoding.
      const s = isAscii(head) ? head.toString('latin1') : head.toString('utf8');
      let start = 0;
      for (let nl = s.indexOf('\n'); nl >= 0; nl = s.indexOf('\n', start)) {
        one(s.slice(start, nl));
        start = nl + 1;
      }
      yield;
    }
  } catch (err) {
    stream.destroy();
    if (err instanceof InfrastructureError) throw err;
    throw new InfrastructureError(`cannot read k6 results ${path}: ${(err as Error).message}`, { cause: err });
  }
  const tail = carry.toString('utf8');
  if (tail.trim() !== '') {
    lineNo++;
    try {
      if (decoder.decode(tail, sink)) stats.points++;
    } catch {
      stats.truncatedTail.push(`${path}:${lineNo}`);
    }
  }
  stats.lines += lineNo;
  stats.slowLines += decoder.slowLines - slowBefore;
  stats.sources++;
}

/** Reads one NDJSON file (plain or gzipped) into `sink`. */
export async function readFileInto(
  path: string,
  sink: K6PointSink,
  stats: ReadStats = emptyStats(),
  options: ReadOptions = {},
): Promise<ReadStats> {
  for await (const _ of decodeFile(path, sink, stats, options)) {
    // each chunk is already in the sink
  }
  return stats;
}

export function emptyStats(): ReadStats {
  return { sources: 0, lines: 0, points: 0, slowLines: 0, truncatedTail: [] };
}

function toArray(sources: PointSource | readonly PointSource[]): PointSource[] {
  if (typeof sources === 'string') return [sources];
  if (Array.isArray(sources)) return [...(sources as PointSource[])];
  return [sources as PointSource];
}

/**
 * Feeds every point of every source into `sink` (the fast path: no object per point). Sources are read one after
 * another; a consumer that needs time order (the series) sorts itself, so the order of files does not matter.
 */
export async function readInto(
  sources: PointSource | readonly PointSource[],
  sink: K6PointSink,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const stats = emptyStats();
  const decoder = options.decoder ?? new K6LineDecoder();
  for (const source of toArray(sources)) {
    if (typeof source === 'string') {
      await readFileInto(source, sink, stats, { ...options, decoder });
      continue;
    }
    for await (const p of source as AsyncIterable<K6Point>) {
      stats.lines++;
      stats.points++;
      sink(p.metric, decoder.intern(p.tags), p.time, p.value);
    }
    stats.sources++;
  }
  return stats;
}

/** Points of one source in batches, so the merge below pays one await per batch, not per point. */
async function* batches(source: PointSource, decoder: K6LineDecoder, options: ReadOptions): AsyncGenerator<K6Point[]> {
  let batch: K6Point[] = [];
  if (typeof source !== 'string') {
    for await (const p of source as AsyncIterable<K6Point>) {
      batch.push(p);
      if (batch.length >= 4096) {
        yield batch;
        batch = [];
      }
    }
  } else {
    const sink: K6PointSink = (metric, tags, time, value) => {
      batch.push({ metric, time, value, tags: tags as Record<string, string> });
    };
    for await (const _ of decodeFile(source, sink, emptyStats(), { ...options, decoder, chunkBytes: options.chunkBytes ?? 1 << 18 })) {
      if (batch.length) {
        yield batch;
        batch = [];
      }
    }
  }
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
 * Every point of one or many sources as one stream. Several sources (the files of parallel runners, or a live run
 * plus files) are interleaved by time: at each step the source whose next point is earliest goes first. Each
 * source keeps its own order, so the result is in time order when each source is. Memory: one batch per source.
 * @see https://grafana.com/docs/k6/latest/results-output/real-time/json/
 */
export async function* readPoints(sources: PointSource | readonly PointSource[], options: ReadOptions = {}): AsyncGenerator<K6Point> {
  const decoder = options.decoder ?? new K6LineDecoder();
  const all = toArray(sources);
  if (all.length === 1) {
    for await (const batch of batches(all[0] as PointSource, decoder, options)) yield* batch;
    return;
  }
  const cursors: Cursor[] = [];
  try {
    for (const s of all) {
      const c: Cursor = { it: batches(s, decoder, options)[Symbol.asyncIterator](), batch: [], at: 0 };
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
