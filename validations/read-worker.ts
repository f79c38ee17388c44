// The second thread of a large read: reads the file (gunzipping it if need be), finds every line and drops the lines
// of metrics no gate reads, and hands the rest, with their line numbers, to the thread that decodes them
// (read-points.ts). Splitting and filtering is most of a read's work, so the two threads share it.
import { parentPort, workerData } from 'node:worker_threads';
import { K6Scanner } from '../core/k6-scanner.ts';
import { chunksOf, type FilterBatch, type FilterRequest, LINE, TOO_LONG } from './read-points.ts';

const request = workerData as FilterRequest;
const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread');
const acks = new Int32Array(request.acks);
/**
 * Lines go into a few shared slots, reused in turn: the reading thread acknowledges each batch it has decoded, and
 * this one waits before it overwrites a slot not yet read. Memory stays at the slots, whatever the file's size.
 */
const slots = request.slots.map((shared) => Buffer.from(shared));
let slot = 0;
let used = 0;
const ends: number[] = [];
const lines: number[] = [];
const kinds: number[] = [];
let sent = 0;

function flush(): void {
  if (ends.length === 0) return;
  const batch: FilterBatch = {
    kind: 'lines',
    slot,
    ends: Uint32Array.from(ends),
    lines: Uint32Array.from(lines),
    kinds: Uint8Array.from(kinds),
  };
  port?.postMessage(batch);
  used = 0;
  ends.length = 0;
  lines.length = 0;
  kinds.length = 0;
  sent++;
  slot = sent % slots.length;
  // Wait until the slot about to be filled has been read.
  for (let read = Atomics.load(acks, 0); sent - read >= slots.length; read = Atomics.load(acks, 0)) Atomics.wait(acks, 0, read, 1000);
}

function add(line: number, kind: number, from: Buffer, start: number, end: number): void {
  const n = end - start;
  const target = slots[slot] as Buffer;
  if (used + n > target.length) flush();
  from.copy(slots[slot] as Buffer, used, start, end);
  used += n;
  ends.push(used);
  lines.push(line);
  kinds.push(kind);
}

const scanner = new K6Scanner({
  sink: () => {},
  onReject: () => {},
  metrics: request.metrics ? new Set(request.metrics) : undefined,
  maxLineBytes: request.maxLineBytes,
  forward: {
    line: (line, buf, start, end, final) => add(line, final ? LINE.final : LINE.plain, buf, start, end),
    tooLong: (line, prefix) => {
      const text = Buffer.from(prefix);
      add(line, TOO_LONG, text, 0, text.length);
    },
  },
});

try {
  for await (const chunk of chunksOf(request.path, request.chunkBytes)) {
    scanner.feed(chunk);
    // One batch per chunk at most: the reading thread decodes while this one reads on.
    if (used > 0) flush();
  }
  scanner.end();
  flush();
  port.postMessage({ kind: 'done', lines: scanner.line } satisfies FilterBatch);
} catch (err) {
  port.postMessage({ kind: 'error', message: (err as Error).message } satisfies FilterBatch);
}
