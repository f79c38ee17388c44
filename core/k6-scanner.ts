import { detach } from './array-buffers.ts';
import {
  type K6MetricDeclaration,
  type K6PointSink,
  lineMetric,
  POINT_PREFIX,
  parseK6Line,
  type RejectedLine,
  valueProblem,
} from './k6-output.ts';

/**
 * The fast reader of k6's JSON output: bytes in, points out, with `parseK6Line`'s answer for every line.
 *
 * k6 writes every Point line in one shape (`{"metric":M,"type":"Point","data":{"time":T,"value":V,"tags":{...}}}`),
 * and a gate reads only a few of its metrics. So the scanner finds each newline on the raw bytes, reads the metric
 * name in place, and skips the line when no one reads that metric: most lines cost a newline search and a name
 * compare. A line it reads has its fixed parts checked byte by byte, its time parsed without `Date` (one
 * `Date.parse` per distinct second), its number checked against JSON's grammar, and its tags parsed once per
 * distinct tags text. Anything not in that exact shape goes through `parseK6Line`, so the answer is the same either
 * way, only slower. Memory is one line of carry-over, never more than `maxLineBytes`: a longer line is rejected as
 * it streams past, so a 300 MB line costs linear time and no memory.
 */

/** Tag sets shared by several scanners (the files of one run), so equal tag sets are one object everywhere. */
export class K6TagTable {
  private readonly byCanonical = new Map<string, Readonly<Record<string, string>>>();
  private readonly hashes = new Map<object, number>();
  /** Raw tags text (bytes as latin1) → interned tags; bounded, see `MAX_CACHED_TAG_SETS`. */
  readonly byText = new Map<string, Readonly<Record<string, string>>>();

  /** The interned, frozen copy of a tags object: equal tag sets give the same object. */
  intern(tags: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    const keys = Object.keys(tags).sort();
    const sorted: Record<string, string> = {};
    for (const k of keys) sorted[k] = String(tags[k]);
    const canonical = JSON.stringify(sorted);
    let found = this.byCanonical.get(canonical);
    if (!found) {
      // Tag sets that never repeat (a `url` tag per item id) must not grow the table without end: start over when
      // it is large. Equal tag sets may then get two objects, which costs a partition, not correctness.
      if (this.byCanonical.size >= MAX_CACHED_TAG_SETS) this.clear();
      found = Object.freeze(sorted);
      this.byCanonical.set(canonical, found);
      this.hashes.set(found, hashString(canonical, 0x9e3779b9));
    }
    return found;
  }

  /** Remembers the interned tags of a raw tags text (bounded with the rest of the table). */
  remember(text: string, tags: Readonly<Record<string, string>>): void {
    if (this.byText.size >= MAX_CACHED_TAG_SETS) this.byText.clear();
    this.byText.set(text, tags);
  }

  /** A hash of an interned tag set's content (for telling duplicated sources apart). */
  hashOf(tags: Readonly<Record<string, string>>): number {
    return this.hashes.get(tags) ?? hashString(JSON.stringify(this.intern(tags)), 0x9e3779b9);
  }

  private clear(): void {
    this.byCanonical.clear();
    this.hashes.clear();
    this.byText.clear();
  }
}

const MAX_CACHED_TAG_SETS = 50_000;
/** k6 never writes a line anywhere near this long; a longer one is rejected without being held in memory. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** Points hashed in order at the start of a source: equal heads mean one runner's output read twice. */
export const HEAD_POINTS = 32;

export interface K6ScanOptions {
  sink: K6PointSink;
  /** Metrics to read; lines of every other metric are counted and skipped unparsed. Default: all. */
  metrics?: ReadonlySet<string>;
  /** Metrics read as durations or counts: a negative value is rejected whatever their declaration says. */
  nonNegative?: ReadonlySet<string>;
  /** A line not taken: not what k6 writes, or a value k6 cannot have measured. Only for metrics read (or unknown). */
  onReject(rejected: RejectedLine): void;
  /** Shared across the sources of one read so equal tag sets are one object. */
  tags?: K6TagTable;
  maxLineBytes?: number;
  /**
   * Reading a block from the middle of a file (the second thread of a large read): no BOM at its first line, and the
   * `Metric` declarations before the block unknown. A negative value that only such a declaration could reject (a
   * metric neither declared in the block nor in `nonNegative`) goes to `onDeferred`, with `lastHash` set, for the
   * thread that knows the declarations before it to decide (see `takeDecoded`).
   */
  midFile?: boolean;
  onDeferred?: K6PointSink;
}

/**
 * What was read, for telling one source from another: an order-free hash of every point read (equal multisets of
 * points give equal sums), an ordered hash of the first `HEAD_POINTS`, and the `instance_id` tags seen (k6-operator
 * tags each runner's points with its own).
 */
export interface K6Fingerprint {
  points: number;
  sumA: number;
  sumB: number;
  head: number;
  instanceIds: ReadonlySet<string>;
}

function hashString(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix(h);
}

function mix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const enc = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const PREFIX = enc(POINT_PREFIX);
const POINT_MID = enc('","type":"Point","data":{"time":"');
const VALUE_KEY = enc('","value":');
const TAGS_KEY = enc(',"tags":');
const BOM = [0xef, 0xbb, 0xbf];
/** How much of an over-long line is kept to tell its metric. */
const PREFIX_BYTES = 1024;
const SKIP = -1;
const SLOW = -2;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

// V8 compiles code that reads typed arrays and Buffers assuming no ArrayBuffer is ever detached, and throws all of
// it away the first time one is: reading one block, the readers free arrays (array-buffers.ts, read-blocks.ts,
// series.ts) and the worker hands its arrays over, so every scanner function, already optimized, went back to the
// interpreter a few thousand lines into the read, in each thread. Detaching one now, before any of it is compiled,
// lets V8 optimize it once (a gate at a million points: 12 ms less wall time).
detach(new ArrayBuffer(8));

function startsWith(buf: Uint8Array, at: number, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false;
  return true;
}

/**
 * The last few distinct tags texts of one metric, compared in place: k6 repeats a handful of tag sets (one per
 * vantage and status) line after line, so most lines find theirs here without building a string.
 */
class RecentTags {
  private static readonly SIZE = 8;
  private readonly bytes: Buffer[] = [];
  private readonly lengths: number[] = [];
  readonly tags: Readonly<Record<string, string>>[] = [];
  readonly hashes: number[] = [];
  private next = 0;

  find(buf: Buffer, a: number, b: number): number {
    const len = b - a;
    for (let i = 0; i < this.lengths.length; i++) {
      if (this.lengths[i] !== len) continue;
      const own = this.bytes[i] as Buffer;
      // Tags are sorted by key, and the values that differ (status, served_by, vantage) sit near the end.
      let j = len - 2;
      for (const stop = Math.max(0, len - 24); j >= stop && own[j] === buf[a + j]; j--);
      if (j < Math.max(0, len - 24) && buf.compare(own, 0, len, a, b) === 0) return i;
    }
    return -1;
  }

  put(buf: Buffer, a: number, b: number, tags: Readonly<Record<string, string>>, hash: number): void {
    const i = this.next;
    this.next = (i + 1) % RecentTags.SIZE;
    let own = this.bytes[i];
    if (own === undefined || own.length < b - a) {
      own = Buffer.alloc(Math.max(b - a, 256));
      this.bytes[i] = own;
    }
    buf.copy(own, 0, a, b);
    this.lengths[i] = b - a;
    this.tags[i] = tags;
    this.hashes[i] = hash;
  }
}

/** `2026-11-23T04:49:32` and `+02:00`: D a digit, S a sign, else the byte itself. */
const D = -1;
const S = -2;
const TIME_SHAPE = [D, D, D, D, 45, D, D, 45, D, D, 84, D, D, 58, D, D, 58, D, D];
const ZONE_SHAPE = [S, D, D, 58, D, D];
const fits = (c: number, shape: number): boolean => (shape === D ? c >= 48 && c <= 57 : shape === S ? c === 43 || c === 45 : c === shape);

const digit = (c: number | undefined): number => (c !== undefined && c >= 48 && c <= 57 ? c - 48 : -1);

/**
 * Reads one source (a file, a live tail) chunk by chunk: `feed` every chunk in order, then `end`. Points go to the
 * sink as they are read; rejected lines to `onReject` with their line numbers.
 */
export class K6Scanner {
  /** Lines seen so far (the number of the line being read, once it is complete). */
  line = 0;
  /** Points handed to the sink. */
  points = 0;
  /** Points that did not have k6's exact shape and were parsed by `parseK6Line`. */
  slowLines = 0;
  /** The line number of a final line cut short (no newline, not JSON: k6 killed mid-write), skipped. */
  truncatedLine: number | undefined;
  /** The fingerprint hash of the last point handed to the sink or to `onDeferred` (see `takeDecoded`). */
  lastHash = 0;
  /** Metric declarations of this source (`{"type":"Metric"}` lines). */
  readonly declarations = new Map<string, K6MetricDeclaration>();
  readonly tags: K6TagTable;

  private readonly sink: K6PointSink;
  private readonly onReject: (rejected: RejectedLine) => void;
  private readonly filter: ReadonlySet<string> | undefined;
  private readonly nonNegative: ReadonlySet<string>;
  private readonly maxLineBytes: number;
  private readonly midFile: boolean;
  private readonly onDeferred: K6PointSink | undefined;
  /** Wanted metric names by byte length, for the in-place compare; undefined when every metric is read. */
  private readonly byLength: { bytes: Uint8Array; id: number }[][] | undefined;
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly nameHashes: number[] = [];
  /** Per metric id: negative values are rejected (declared counter or time trend, or read as a duration). */
  private readonly strict: boolean[] = [];
  /** Per metric id: the tags texts read last, with their interned objects. */
  private readonly recent: RecentTags[] = [];
  private tagHash = 0;
  private carry = Buffer.alloc(4096);
  private carryLen = 0;
  /** A line longer than `maxLineBytes` is being skipped; its first bytes name its metric. */
  private skipping: string | undefined;
  private nameEnd = 0;
  private secKey = Buffer.alloc(32);
  private secKeyLen = 0;
  private secMs = 0;
  private tMs = 0;
  private tNs = 0;
  private num = 0;
  private sumA = 0;
  private sumB = 0;
  private head = 0;
  private readonly instanceIds = new Set<string>();
  private lastInstanceTags: object | undefined;

  constructor(options: K6ScanOptions) {
    this.sink = options.sink;
    this.onReject = options.onReject;
    this.tags = options.tags ?? new K6TagTable();
    this.nonNegative = options.nonNegative ?? new Set();
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.midFile = options.midFile ?? false;
    this.onDeferred = options.onDeferred;
    this.filter = options.metrics;
    // Names a k6 line could only spell with escapes are matched after parsing: every line is then read.
    const plain = [...(options.metrics ?? [])].every((m) => /^[\x20-\x7e]+$/.test(m) && !/["\\]/.test(m));
    this.byLength = options.metrics && plain ? [] : undefined;
    for (const m of options.metrics ?? []) {
      const id = this.idFor(m);
      if (!this.byLength) continue;
      const slot = this.byLength[m.length] ?? [];
      slot.push({ bytes: enc(m), id });
      this.byLength[m.length] = slot;
    }
  }

  /** Bytes held for the line being read (one line of carry-over between chunks, bounded by `maxLineBytes`). */
  get heldBytes(): number {
    return this.carry.length;
  }

  /** Part of a line has been fed and its newline not yet: the bytes up to the next newline still belong to it. */
  get midLine(): boolean {
    return this.carryLen > 0 || this.skipping !== undefined;
  }

  /** What this source held, for telling it from the others read with it. */
  fingerprint(): K6Fingerprint {
    return { points: this.points, sumA: this.sumA, sumB: this.sumB, head: this.head, instanceIds: this.instanceIds };
  }

  /** Reads every complete line of `chunk` (after what earlier chunks left); keeps the incomplete rest. */
  feed(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (this.carryLen > 0 || this.skipping !== undefined) {
      const nl = buf.indexOf(10);
      if (nl < 0) {
        this.keep(buf, 0, buf.length);
        return;
      }
      this.keep(buf, 0, nl);
      this.line++;
      this.flushCarry(false);
      pos = nl + 1;
    }
    const last = buf.lastIndexOf(10);
    if (last >= pos) {
      for (let start = pos; start <= last; ) {
        const nl = buf.indexOf(10, start);
        this.line++;
        this.one(buf, start, nl, false);
        start = nl + 1;
      }
      pos = last + 1;
    }
    if (pos < buf.length) this.keep(buf, pos, buf.length);
  }

  /** The input is complete: reads a final line without a newline (or notes it as cut short). */
  end(): void {
    if (this.carryLen === 0 && this.skipping === undefined) return;
    this.line++;
    this.flushCarry(true);
  }

  private keep(buf: Buffer, from: number, to: number): void {
    if (this.skipping !== undefined) return;
    const need = this.carryLen + (to - from);
    // A few bytes of slack for a BOM and a CR, which do not count toward a line's length.
    if (need > this.maxLineBytes + 4) {
      // Stop holding it: its first bytes say which metric it would have been; the rest streams past.
      const head = Buffer.concat([this.carry.subarray(0, Math.min(this.carryLen, PREFIX_BYTES)), buf.subarray(from, from + PREFIX_BYTES)]);
      this.skipping = head.toString('utf8', 0, PREFIX_BYTES);
      this.carryLen = 0;
      return;
    }
    if (need > this.carry.length) {
      const bigger = Buffer.alloc(Math.min(Math.max(need, this.carry.length * 2), this.maxLineBytes + 4));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    buf.copy(this.carry, this.carryLen, from, to);
    this.carryLen = need;
  }

  private flushCarry(final: boolean): void {
    if (this.skipping !== undefined) {
      const prefix = this.skipping;
      this.skipping = undefined;
      this.tooLong(prefix);
      return;
    }
    const len = this.carryLen;
    this.carryLen = 0;
    this.one(this.carry, 0, len, final);
  }

  /**
   * A point another scanner of the same file decoded and checked (a block the second thread read), in its place in
   * the file's order: counted, handed to the sink and added to the fingerprint as if read here. `hash` is that
   * scanner's `lastHash` for it.
   */
  takeDecoded(metric: string, tags: Readonly<Record<string, string>>, time: number, value: number, hash: number): void {
    this.points++;
    this.lastHash = hash;
    this.sink(metric, tags, time, value);
    this.sumA = (this.sumA + hash) >>> 0;
    this.sumB = (this.sumB + mix(hash ^ 0x5bd1e995)) >>> 0;
    if (this.points <= HEAD_POINTS) this.head = mix(this.head ^ hash);
    if (tags !== this.lastInstanceTags) {
      this.lastInstanceTags = tags;
      const instance = tags.instance_id;
      if (instance !== undefined) this.instanceIds.add(instance);
    }
  }

  /** A `Metric` line read elsewhere in the file (a block the second thread read), in its place in the file's order. */
  declare(declaration: K6MetricDeclaration): void {
    this.declarations.set(declaration.metric, declaration);
    const id = this.ids.get(declaration.metric);
    if (id !== undefined) this.refreshStrict(declaration.metric, id);
  }

  private tooLong(prefix: string): void {
    const head = this.atFileStart() && prefix.startsWith('\ufeff') ? prefix.slice(1) : prefix;
    const metric = lineMetric(head);
    if (metric !== undefined && !this.reads(metric)) return;
    this.reject(metric, `line longer than ${this.maxLineBytes} bytes (k6 writes nothing that long)`);
  }

  private one(buf: Buffer, s: number, e: number, final: boolean): void {
    if (e > s && buf[e - 1] === 13) e--; // CRLF
    if (this.atFileStart() && buf[s] === BOM[0] && buf[s + 1] === BOM[1] && buf[s + 2] === BOM[2]) s += 3;
    if (e - s > this.maxLineBytes) {
      this.tooLong(buf.toString('utf8', s, s + PREFIX_BYTES));
      return;
    }
    const id = this.idOf(buf, s, e);
    if (id === SKIP) return;
    if (id >= 0 && this.fast(buf, e, id)) return;
    this.slow(buf.toString('utf8', s, e), final);
  }

  /** The line being read is the file's first (where a BOM may be). */
  private atFileStart(): boolean {
    return this.line === 1 && !this.midFile;
  }

  private reads(metric: string): boolean {
    return this.filter === undefined || this.filter.has(metric);
  }

  private idFor(metric: string): number {
    let id = this.ids.get(metric);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(metric, id);
      this.names.push(metric);
      this.nameHashes.push(hashString(metric, 0x811c9dc5));
      this.strict.push(false);
      this.refreshStrict(metric, id);
    }
    return id;
  }

  private refreshStrict(metric: string, id: number): void {
    const d = this.declarations.get(metric);
    this.strict[id] = valueProblem(metric, -1, d, this.nonNegative.has(metric)) !== undefined;
  }

  /**
   * The metric id of a line in k6's point shape, SKIP for a metric no one reads, SLOW for anything else (another
   * shape, a name with escapes or beyond ASCII). Leaves the name's closing quote in `nameEnd`.
   */
  private idOf(buf: Buffer, s: number, e: number): number {
    if (!startsWith(buf, s, PREFIX)) return SLOW;
    const from = s + PREFIX.length;
    const limit = Math.min(e, from + 256);
    let q = from;
    for (; q < limit; q++) {
      const c = buf[q] as number;
      if (c === 34) break;
      if (c === 92 || c >= 128 || c < 32) return SLOW;
    }
    if (q === limit || q === from) return SLOW;
    this.nameEnd = q;
    if (!this.byLength) return this.filter === undefined ? this.idFor(buf.toString('latin1', from, q)) : SLOW;
    const candidates = this.byLength[q - from];
    if (candidates === undefined) return SKIP;
    for (const c of candidates) if (startsWith(buf, from, c.bytes)) return c.id;
    return SKIP;
  }

  /** Decodes a line of k6's exact point shape in place; false sends it to the slow path. */
  private fast(buf: Buffer, e: number, id: number): boolean {
    let p = this.nameEnd;
    if (!startsWith(buf, p, POINT_MID)) return false;
    p = this.time(buf, p + POINT_MID.length);
    if (p < 0 || !startsWith(buf, p, VALUE_KEY)) return false;
    p = this.number(buf, p + VALUE_KEY.length);
    if (p < 0 || !startsWith(buf, p, TAGS_KEY)) return false;
    p += TAGS_KEY.length;
    // `{...}` then the closing braces of data and of the line.
    if (e - p < 4 || buf[p] !== 123 || buf[e - 1] !== 125 || buf[e - 2] !== 125 || buf[e - 3] !== 125) return false;
    const tags = this.tagsAt(buf, p, e - 2, id);
    if (tags === undefined) return false;
    this.accept(id, tags, this.tagHash, this.tMs, this.tNs, this.num);
    return true;
  }

  /**
   * An RFC 3339 time from `at` up to its closing quote: `tMs` and `tNs` set, the quote's index returned, or -1. The
   * seconds and zone are parsed by `Date.parse` once per distinct second; the fraction digit by digit.
   */
  private time(buf: Buffer, at: number): number {
    const key = this.secKey;
    let same = this.secKeyLen > 0;
    for (let i = 0; same && i < 19; i++) same = buf[at + i] === key[i];
    if (!same) for (let i = 0; i < 19; i++) if (!fits(buf[at + i] as number, TIME_SHAPE[i] as number)) return -1;
    let p = at + 19;
    let frac = 0;
    let digits = 0;
    if (buf[p] === 46) {
      for (p++; digits < 10; p++, digits++) {
        const d = digit(buf[p]);
        if (d < 0) break;
        frac = frac * 10 + d;
      }
      if (digits === 0 || digits > 9) return -1;
    }
    const zone = p;
    if (buf[p] === 90) p++;
    else {
      for (let i = 0; i < 6; i++) if (!fits(buf[p + i] as number, ZONE_SHAPE[i] as number)) return -1;
      p += 6;
    }
    if (buf[p] !== 34) return -1;
    for (let i = 0; same && i < p - zone; i++) same = buf[zone + i] === key[19 + i];
    if (!(same && this.secKeyLen === 19 + p - zone) && !this.parseSecond(buf, at, zone, p)) return -1;
    const ns = frac * (POW10[9 - digits] as number);
    this.tMs = this.secMs + Math.floor(ns / 1e6);
    this.tNs = ns % 1e6;
    return p;
  }

  /** Parses the seconds and zone of a time once, for the lines after it in the same second. False if not a time. */
  private parseSecond(buf: Buffer, at: number, zone: number, end: number): boolean {
    const len = 19 + (end - zone);
    buf.copy(this.secKey, 0, at, at + 19);
    buf.copy(this.secKey, 19, zone, end);
    const ms = Date.parse(this.secKey.toString('latin1', 0, len));
    this.secKeyLen = Number.isNaN(ms) ? 0 : len;
    this.secMs = ms;
    return !Number.isNaN(ms);
  }

  /**
   * A JSON number from `at`: `num` set, the index after it returned, or -1 if it is not JSON's grammar. Up to 15
   * significant digits and a power of ten up to 22, one exact operation gives the correctly rounded double (Clinger's
   * fast path), as `Number` would; beyond that, `Number` itself.
   */
  private number(buf: Buffer, at: number): number {
    let p = at;
    const negative = buf[p] === 45;
    if (negative) p++;
    let mantissa = 0;
    let significant = 0;
    let scale = 0;
    const first = digit(buf[p]);
    if (first < 0) return -1;
    if (first === 0) {
      p++;
      if (digit(buf[p]) >= 0) return -1;
    }
    for (let d = digit(buf[p]); d >= 0; d = digit(buf[++p])) {
      mantissa = mantissa * 10 + d;
      if (mantissa > 0) significant++;
    }
    if (buf[p] === 46) {
      p++;
      if (digit(buf[p]) < 0) return -1;
      for (let d = digit(buf[p]); d >= 0; d = digit(buf[++p])) {
        mantissa = mantissa * 10 + d;
        if (mantissa > 0) significant++;
        scale--;
      }
    }
    if (buf[p] === 101 || buf[p] === 69) {
      p++;
      const sign = buf[p] === 45 ? -1 : 1;
      if (buf[p] === 43 || buf[p] === 45) p++;
      if (digit(buf[p]) < 0) return -1;
      let exp = 0;
      for (let d = digit(buf[p]); d >= 0; d = digit(buf[++p])) if (exp < 100_000) exp = exp * 10 + d;
      scale += sign * exp;
    }
    if (significant <= 15 && scale >= -22 && scale <= 22) {
      const v = scale < 0 ? mantissa / (POW10[-scale] as number) : mantissa * (POW10[scale] as number);
      this.num = negative ? -v : v;
    } else this.num = Number(buf.toString('latin1', at, p));
    return p;
  }

  /** The interned tags of a tags text (`tagHash` set): a recent one of this metric, else by text, else parsed once. */
  private tagsAt(buf: Buffer, a: number, b: number, id: number): Readonly<Record<string, string>> | undefined {
    let recent = this.recent[id];
    if (recent === undefined) {
      recent = new RecentTags();
      this.recent[id] = recent;
    }
    const slot = recent.find(buf, a, b);
    if (slot >= 0) {
      this.tagHash = recent.hashes[slot] as number;
      return recent.tags[slot];
    }
    const text = buf.toString('latin1', a, b);
    let tags = this.tags.byText.get(text);
    if (tags === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8', a, b));
      } catch {
        return undefined;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
      for (const k in parsed) if (typeof (parsed as Record<string, unknown>)[k] !== 'string') return undefined;
      tags = this.tags.intern(parsed as Record<string, string>);
      this.tags.remember(text, tags);
    }
    this.tagHash = this.tags.hashOf(tags);
    recent.put(buf, a, b, tags, this.tagHash);
    return tags;
  }

  /** Checks the value against the metric's type, then hands the point on and adds it to the fingerprint. */
  private accept(id: number, tags: Readonly<Record<string, string>>, tagHash: number, ms: number, ns: number, value: number): void {
    const metric = this.names[id] as string;
    if (!(value > Number.NEGATIVE_INFINITY && value < Number.POSITIVE_INFINITY) || (value < 0 && this.strict[id])) {
      const problem = valueProblem(metric, value, this.declarations.get(metric), this.nonNegative.has(metric));
      this.reject(metric, problem ?? `value ${value} of ${metric} rejected`);
      return;
    }
    bits[0] = value;
    let h = mix((this.nameHashes[id] as number) ^ tagHash);
    h = mix(h ^ (ms >>> 0));
    h = mix(h ^ ((ms / 4294967296) | 0));
    h = mix(h ^ ns);
    h = mix(h ^ (words[0] as number));
    h = mix(h ^ (words[1] as number));
    if (value < 0 && this.onDeferred && this.midFile && !this.declarations.has(metric)) {
      // Only a declaration before this block could make it a counter or a duration: the reader of that part decides.
      this.lastHash = h;
      this.onDeferred(metric, tags, ms, value);
      return;
    }
    this.takeDecoded(metric, tags, ms, value, h);
  }

  private reject(metric: string | undefined, reason: string): void {
    this.onReject({ line: this.line, ...(metric !== undefined ? { metric } : {}), reason });
  }

  /** `parseK6Line` on a line the fast path did not take. A final line that is not JSON was cut short. */
  private slow(text: string, final: boolean): void {
    const parsed = parseK6Line(text);
    switch (parsed.kind) {
      case 'blank':
        return;
      case 'metric':
        this.declare(parsed.metric);
        return;
      case 'rejected':
        if (parsed.metric !== undefined && !this.reads(parsed.metric)) return;
        if (final && parsed.malformed) this.truncatedLine = this.line;
        else this.reject(parsed.metric, parsed.reason);
        return;
      case 'point': {
        const p = parsed.point;
        if (!this.reads(p.metric)) return;
        const tags = this.tags.intern(p.tags);
        this.slowLines++;
        this.accept(this.idFor(p.metric), tags, this.tags.hashOf(tags), p.time, parsed.ns, p.value);
      }
    }
  }
}
