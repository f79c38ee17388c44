// A plain k6 output file read by blocks of bytes, on two threads: each thread takes the next block in turn
// (read-parallel.ts on the reading thread, read-worker.ts on the other), decodes and checks the lines that start in
// it, and the reading thread takes the blocks' points in the file's order. Each line belongs to the block it starts
// in, so every line is read once, whole, by one thread.
import { readSync } from 'node:fs';
import { detach, resizedBuffer } from '../core/array-buffers.ts';
import type { K6MetricDeclaration, RejectedLine } from '../core/k6-output.ts';
import { K6Scanner, type K6TagTable } from '../core/k6-scanner.ts';

/** How many rejected lines a read lists; the rest are only counted. */
export const MAX_LISTED_REJECTIONS = 20;

/** Room for the points of a block at first: a 4 MiB block of k6 output holds about 12,000 lines. */
const INITIAL_POINTS = 4096;
/** The first read of a search for a newline: a line is a few hundred bytes. */
const PROBE_BYTES = 4096;

/** A thread takes no block this far past the last one taken in order, so that blocks waiting their turn stay few. */
export const AHEAD = 8;

/** How to read the blocks of one file; the same on both threads. */
export interface BlockPlan {
  path: string;
  /** The file's size when the read began, and its blocks: `blockBytes` each, the last one shorter. */
  size: number;
  blockBytes: number;
  blocks: number;
  metrics?: string[];
  nonNegative: string[];
  maxLineBytes?: number;
  chunkBytes: number;
}

/**
 * What the reading thread asks of the worker: the plan and `shared`, Int32 [blocks claimed, blocks taken in order].
 * Each thread adds 1 to the first to claim its next block; the reading thread counts the second up as it takes them.
 */
export interface BlockRequest extends BlockPlan {
  shared: SharedArrayBuffer;
}

/** A series (metric and tag set) the worker numbered, sent once with the first block that has a point of it. */
export interface BlockSeries {
  id: number;
  metric: string;
  tags: Record<string, string>;
}

/**
 * A block the worker read, for the reading thread to take in the file's order: its points (decoded and checked),
 * line numbers counted from the block's first line.
 */
export interface BlockRead {
  kind: 'block';
  block: number;
  lines: number;
  slowLines: number;
  truncatedLine?: number;
  series: BlockSeries[];
  /** The points in order: series id, time, value and fingerprint hash (`K6Scanner.lastHash`). */
  n: number;
  ids: Uint32Array<ArrayBuffer>;
  times: Float64Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  hashes: Uint32Array<ArrayBuffer>;
  /** Pairs (index among the points, line) of negative values only a declaration before the block could reject. */
  deferred: number[];
  /** The first `MAX_LISTED_REJECTIONS` rejected lines, and every one counted per metric. */
  rejected: RejectedLine[];
  rejectedByMetric: Record<string, number>;
  /** Each metric's last `Metric` line in the block. */
  declarations: K6MetricDeclaration[];
}

export type BlockMessage = BlockRead | { kind: 'error'; message: string };

/** The first line start in [start, end) (just after a newline), or `end` when no line starts there. */
function lineStart(fd: number, start: number, end: number, buf: Buffer): number {
  let probe = PROBE_BYTES;
  for (let at = start - 1; at < end - 1; ) {
    const n = readSync(fd, buf, 0, Math.min(probe, buf.length, end - 1 - at), at);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) return at + nl + 1;
    at += n;
    probe *= 2;
  }
  return end;
}

/**
 * Feeds the scanner every line that starts in [start, end) of the file, each whole: from the first line start at or
 * after `start` to the newline of the line under way at `end`, or to the end of the file, where a final line without
 * a newline is read as one (`K6Scanner.end`). Reads are synchronous: a thread reading a block has nothing else to
 * do, and a read from the page cache costs a third of the CPU it costs through libuv's threads.
 */
function scanLines(fd: number, scanner: K6Scanner, range: { start: number; end: number; size: number }, buf: Buffer): void {
  const { end } = range;
  let pos = range.start > 0 ? lineStart(fd, range.start, end, buf) : 0;
  if (pos >= end) return;
  for (; pos < end; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
    if (n === 0) {
      scanner.end();
      return;
    }
    scanner.feed(buf.subarray(0, n));
    pos += n;
  }
  // The rest of the line under way at the end of the range, a few bytes first.
  for (let probe = PROBE_BYTES; scanner.midLine; probe *= 2) {
    const n = readSync(fd, buf, 0, Math.min(probe, buf.length), pos);
    if (n === 0) break;
    const chunk = buf.subarray(0, n);
    const nl = chunk.indexOf(10);
    scanner.feed(nl >= 0 ? chunk.subarray(0, nl + 1) : chunk);
    pos += nl >= 0 ? nl + 1 : n;
  }
  if (scanner.midLine || pos >= range.size) scanner.end();
}

/** Series ids of one thread, by metric and (interned) tags object: each is sent once, with the first block using it. */
export class SeriesIds {
  private readonly ids = new Map<string, Map<object, number>>();
  private next = 0;

  /** The series' id, and whether it is new (then the caller lists it in its block). */
  idOf(metric: string, tags: Readonly<Record<string, string>>): { id: number; fresh: boolean } {
    let byTags = this.ids.get(metric);
    if (!byTags) {
      byTags = new Map();
      this.ids.set(metric, byTags);
    }
    const id = byTags.get(tags);
    if (id !== undefined) return { id, fresh: false };
    byTags.set(tags, this.next);
    return { id: this.next++, fresh: true };
  }
}

/** One block's points, rejected lines and new series, in growing typed arrays. */
class BlockCollector {
  n = 0;
  ids = new Uint32Array(INITIAL_POINTS);
  times = new Float64Array(INITIAL_POINTS);
  values = new Float64Array(INITIAL_POINTS);
  hashes = new Uint32Array(INITIAL_POINTS);
  readonly deferred: number[] = [];
  readonly rejected: RejectedLine[] = [];
  readonly rejectedByMetric: Record<string, number> = {};
  readonly series: BlockSeries[] = [];
  private lastMetric = '';
  private lastTags: object | undefined;
  private lastId = 0;

  constructor(
    private readonly seriesIds: SeriesIds,
    private readonly scanner: () => K6Scanner,
  ) {}

  readonly add = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number): void => {
    if (this.n === this.ids.length) this.grow();
    const i = this.n++;
    this.ids[i] = this.seriesOf(metric, tags);
    this.times[i] = time;
    this.values[i] = value;
    this.hashes[i] = this.scanner().lastHash;
  };

  readonly defer = (metric: string, tags: Readonly<Record<string, string>>, time: number, value: number): void => {
    this.deferred.push(this.n, this.scanner().line);
    this.add(metric, tags, time, value);
  };

  readonly reject = (r: RejectedLine): void => {
    const key = r.metric ?? '';
    this.rejectedByMetric[key] = (this.rejectedByMetric[key] ?? 0) + 1;
    if (this.rejected.length < MAX_LISTED_REJECTIONS) this.rejected.push(r);
  };

  private seriesOf(metric: string, tags: Readonly<Record<string, string>>): number {
    if (tags === this.lastTags && metric === this.lastMetric) return this.lastId;
    const { id, fresh } = this.seriesIds.idOf(metric, tags);
    if (fresh) this.series.push({ id, metric, tags });
    this.lastMetric = metric;
    this.lastTags = tags;
    this.lastId = id;
    return id;
  }

  /** Twice the room; the old arrays are freed at once (see `SeriesStore.add`). */
  private grow(): void {
    const size = this.n * 2;
    this.ids = new Uint32Array(resizedBuffer(this.ids.buffer, size * 4));
    this.hashes = new Uint32Array(resizedBuffer(this.hashes.buffer, size * 4));
    this.times = new Float64Array(resizedBuffer(this.times.buffer, size * 8));
    this.values = new Float64Array(resizedBuffer(this.values.buffer, size * 8));
  }

  read(block: number, scanner: K6Scanner): BlockRead {
    return {
      kind: 'block',
      block,
      lines: scanner.line,
      slowLines: scanner.slowLines,
      ...(scanner.truncatedLine !== undefined ? { truncatedLine: scanner.truncatedLine } : {}),
      series: this.series,
      n: this.n,
      ids: this.ids.subarray(0, this.n),
      times: this.times.subarray(0, this.n),
      values: this.values.subarray(0, this.n),
      hashes: this.hashes.subarray(0, this.n),
      deferred: this.deferred,
      rejected: this.rejected,
      rejectedByMetric: this.rejectedByMetric,
      declarations: [...scanner.declarations.values()],
    };
  }
}

/** What one thread keeps across the blocks it reads of one file. */
export interface BlockReader {
  plan: BlockPlan;
  fd: number;
  tags: K6TagTable;
  seriesIds: SeriesIds;
  metrics: ReadonlySet<string> | undefined;
  nonNegative: ReadonlySet<string>;
  buffer: Buffer;
}

/** A thread's reader of one file's blocks (the file descriptor is the caller's to close). */
export function blockReader(plan: BlockPlan, fd: number, tags: K6TagTable): BlockReader {
  return {
    plan,
    fd,
    tags,
    seriesIds: new SeriesIds(),
    metrics: plan.metrics ? new Set(plan.metrics) : undefined,
    nonNegative: new Set(plan.nonNegative),
    buffer: Buffer.allocUnsafe(plan.chunkBytes),
  };
}

/** Reads one block: the lines that start in it, decoded and checked, line numbers counted from its first line. */
export function readBlock(reader: BlockReader, block: number): BlockRead {
  const { plan } = reader;
  let scanner: K6Scanner | undefined;
  const out = new BlockCollector(reader.seriesIds, () => scanner as K6Scanner);
  scanner = new K6Scanner({
    sink: out.add,
    onDeferred: out.defer,
    onReject: out.reject,
    metrics: reader.metrics,
    nonNegative: reader.nonNegative,
    tags: reader.tags,
    maxLineBytes: plan.maxLineBytes,
    midFile: block > 0,
  });
  const start = block * plan.blockBytes;
  scanLines(reader.fd, scanner, { start, end: Math.min(plan.size, start + plan.blockBytes), size: plan.size }, reader.buffer);
  return out.read(block, scanner);
}

/** Frees a block's arrays once its points are taken, without waiting for the garbage collector. */
export function release(read: BlockRead): void {
  for (const a of [read.ids, read.times, read.values, read.hashes]) if (a.buffer.byteLength > 0) detach(a.buffer);
}
