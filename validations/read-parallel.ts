// A large plain file read on two threads: this one and a worker (read-worker.ts) each take the next block of bytes
// in turn and read it whole (read-blocks.ts); this one takes every block's points in the file's order, through the
// file's own scanner, so the answer is the one-thread answer: points and their order, line numbers, rejected lines,
// fingerprint.
import { closeSync, openSync } from 'node:fs';
import nodeModule, { createRequire } from 'node:module';
import { setImmediate as turn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type RejectedLine, valueProblem } from '../core/k6-output.ts';
import type { K6Scanner } from '../core/k6-scanner.ts';
import {
  AHEAD,
  type BlockMessage,
  type BlockPlan,
  type BlockRead,
  type BlockRequest,
  blockReader,
  readBlock,
  release,
} from './read-blocks.ts';

/** Where a read's rejected lines go: every one counted per metric, the first ones listed. */
export interface RejectionLog {
  count(metric: string | undefined, n?: number): void;
  list(rejected: RejectedLine): void;
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
 * The second thread, idle until it is sent a `BlockRequest`. Built, it is plain JavaScript; run from the TypeScript
 * sources (tests, scripts), a worker does not inherit the parent's loader, so it registers tsx before importing the
 * worker module.
 */
function startWorker(): Worker {
  const load = FROM_SOURCE
    ? `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER)}); })`
    : `import(${JSON.stringify(WORKER)})`;
  // A worker does not share the compile cache this thread enabled (bin.ts): it would compile the reader's modules
  // again on every run, while the first block waits for it. It takes the same cache folder, when there is one.
  const cache = (nodeModule as { getCompileCacheDir?: () => string | undefined }).getCompileCacheDir?.();
  const cached = cache ? `require('node:module').enableCompileCache(${JSON.stringify(cache)}); ` : '';
  // A small young generation: the worker's points go to typed arrays outside the heap, and it makes little garbage.
  return new Worker(cached + load, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
}

/** A worker started ahead of its read, and why it stopped if it did before the read took it. */
let spare: { worker: Worker; failed?: unknown } | undefined;

/**
 * Starts the second thread now, for the next read on two threads to take. A thread takes tens of milliseconds to
 * start; started before the work that decides what to read (loading a config), it starts on the other core
 * meanwhile. Unreferenced until taken: a process that ends without reading is not kept alive by it.
 */
export function startReadWorkerEarly(): void {
  if (spare) return;
  const worker = startWorker();
  const entry: { worker: Worker; failed?: unknown } = { worker };
  worker.once('error', (err) => {
    entry.failed = err;
  });
  worker.once('exit', () => {
    entry.failed ??= new Error('the reading worker stopped');
  });
  worker.unref();
  spare = entry;
}

/** The worker started early if it is still well, else a new one; referenced, and sent its request. */
function workerFor(request: BlockRequest): Worker {
  const early = spare;
  spare = undefined;
  let worker: Worker;
  if (early && early.failed === undefined) {
    worker = early.worker;
    worker.ref();
  } else {
    if (early) void early.worker.terminate();
    worker = startWorker();
  }
  worker.postMessage(request);
  return worker;
}

interface Series {
  metric: string;
  tags: Readonly<Record<string, string>>;
}

/**
 * Takes blocks in the file's order into its scanner: each block's points (deferred negative values judged by the
 * declarations before the block), its rejected lines renumbered, then its declarations.
 */
class InOrder {
  /** Blocks taken so far, the lines they held, and the series of each thread (0 this one, 1 the worker). */
  next = 0;
  private lines = 0;
  private readonly series: Series[][] = [[], []];
  private readonly waiting = new Map<number, { read: BlockRead; thread: 0 | 1 }>();

  constructor(
    private readonly scanner: K6Scanner,
    private readonly log: RejectionLog,
    private readonly nonNegative: ReadonlySet<string>,
    /** Told the number of blocks taken after each. */
    private readonly taken: (next: number) => void,
  ) {}

  /** A block read by one of the threads; takes it and every block after it that is waiting, if its turn has come. */
  arrive(read: BlockRead, thread: 0 | 1): void {
    const known = this.series[thread] as Series[];
    for (const s of read.series) known[s.id] = { metric: s.metric, tags: this.scanner.tags.intern(s.tags) };
    this.waiting.set(read.block, { read, thread });
    for (let w = this.waiting.get(this.next); w; w = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.take(w.read, w.thread);
      release(w.read);
      this.next++;
      this.taken(this.next);
    }
  }

  /** The scanner has every block: it counts every line. */
  finish(): void {
    this.scanner.line = this.lines;
  }

  private take(b: BlockRead, thread: 0 | 1): void {
    const series = this.series[thread] as Series[];
    const base = this.lines;
    const late: RejectedLine[] = [];
    let d = 0;
    for (let i = 0; i < b.n; i++) {
      const s = series[b.ids[i] as number] as Series;
      const value = b.values[i] as number;
      if (b.deferred[d] === i) {
        const line = base + (b.deferred[d + 1] as number);
        d += 2;
        const problem = valueProblem(s.metric, value, this.scanner.declarations.get(s.metric), this.nonNegative.has(s.metric));
        if (problem) {
          this.log.count(s.metric);
          late.push({ line, metric: s.metric, reason: problem });
          continue;
        }
      }
      this.scanner.takeDecoded(s.metric, s.tags, b.times[i] as number, value, b.hashes[i] as number);
    }
    for (const [metric, n] of Object.entries(b.rejectedByMetric)) this.log.count(metric === '' ? undefined : metric, n);
    const rejected = b.rejected.map((r) => ({ ...r, line: base + r.line }));
    for (const r of late.length ? [...rejected, ...late].sort((x, y) => x.line - y.line) : rejected) this.log.list(r);
    this.scanner.slowLines += b.slowLines;
    if (b.truncatedLine !== undefined) this.scanner.truncatedLine = base + b.truncatedLine;
    for (const declaration of b.declarations) this.scanner.declare(declaration);
    this.lines += b.lines;
  }
}

/** Resolves when `ready()` holds, checked each time a message from the worker has been handled; rejects on failure. */
type Waiter = (ready: () => boolean) => Promise<void>;

/** The worker's blocks into `order` as they come; a failure kept for whoever waits on a block it owed. */
function listen(worker: Worker, order: InOrder, cannotRead: (err: unknown) => Error): { wait: Waiter; blocksRead: () => number } {
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let read = 0;
  const fail = (err: Error) => {
    failure ??= err;
    wake?.();
  };
  worker.on('message', (m: BlockMessage) => {
    if (m.kind === 'error') fail(cannotRead(new Error(m.message)));
    else {
      read++;
      try {
        order.arrive(m, 1);
      } catch (err) {
        fail(err as Error);
      }
    }
    wake?.();
  });
  // A worker that cannot start (a loader it lacks) takes no block: this thread then takes them all.
  worker.on('error', (err) => fail(cannotRead(err)));
  worker.on('exit', () => fail(cannotRead(new Error('the reading worker stopped'))));
  const wait: Waiter = async (ready) => {
    while (!ready()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  };
  return { wait, blocksRead: () => read };
}

/**
 * Reads a plain file of `plan.size` bytes into `scanner` on two threads. `callerBlocks` bounds the blocks this thread
 * reads (tests make the worker read the rest). True when the worker read a block.
 */
export async function readOnTwoThreads(
  plan: BlockPlan,
  scanner: K6Scanner,
  log: RejectionLog,
  options: { callerBlocks?: number; cannotRead: (err: unknown) => Error },
): Promise<boolean> {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  let fd: number;
  try {
    fd = openSync(plan.path, 'r');
  } catch (err) {
    throw options.cannotRead(err);
  }
  const order = new InOrder(scanner, log, new Set(plan.nonNegative), (next) => {
    Atomics.store(shared, 1, next);
    Atomics.notify(shared, 1);
  });
  // The first block is this thread's, claimed before the worker exists.
  let block = Atomics.add(shared, 0, 1);
  const worker = workerFor({ ...plan, shared: shared.buffer as SharedArrayBuffer });
  const { wait, blocksRead } = listen(worker, order, options.cannotRead);
  try {
    const reader = blockReader(plan, fd, scanner.tags);
    for (let mine = 1; block < plan.blocks; mine++) {
      let read: BlockRead;
      try {
        read = readBlock(reader, block);
      } catch (err) {
        throw options.cannotRead(err);
      }
      order.arrive(read, 0);
      if (mine >= (options.callerBlocks ?? Number.POSITIVE_INFINITY)) break;
      // The worker's blocks come in as messages between this thread's blocks; and this thread goes no further past
      // the next block in order than the worker does: blocks waiting their turn cost memory.
      await turn();
      await wait(() => Atomics.load(shared, 0) - order.next < AHEAD);
      block = Atomics.add(shared, 0, 1);
    }
    await wait(() => order.next >= plan.blocks);
    order.finish();
    return blocksRead() > 0;
  } finally {
    await worker.terminate();
    closeSync(fd);
  }
}
