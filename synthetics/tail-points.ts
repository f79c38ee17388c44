// Follows k6's NDJSON output while k6 writes it, so a run can be watched live. k6 flushes its JSON output in
// batches; reading whole lines from a remembered offset sees every point exactly once, in file order. The bytes go
// through the same scanner as the judged read of a finished file, so a live view costs what reading the file does.
import { open } from 'node:fs/promises';
import type { K6Point, RejectedLine } from '../core/k6-output.ts';
import { K6Scanner } from '../core/k6-scanner.ts';

export interface TailOptions {
  /** True once the writer has exited: after that, what is in the file is all there is. */
  finished(): boolean;
  /** Resolves when the writer exits (wakes the tail early); optional. */
  exited?: Promise<unknown>;
  pollIntervalMs?: number;
  /** Only the points of these metrics (the others are skipped unparsed). Default: every metric. */
  metrics?: ReadonlySet<string>;
  /** A line not taken. Default: none reported (the judged read of the finished file reports them). */
  onRejected?: (rejected: RejectedLine) => void;
}

const CHUNK = 1 << 16;

function pause(ms: number, exited: Promise<unknown> | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    exited?.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/**
 * The points of a k6 NDJSON file from its start, as they are written, ending when the writer has finished and the
 * file is read to its end. Reads at the consumer's pace: nothing is buffered beyond one chunk.
 */
export async function* tailPoints(file: string, options: TailOptions): AsyncGenerator<K6Point> {
  const pollMs = options.pollIntervalMs ?? 100;
  let ready: K6Point[] = [];
  const scanner = new K6Scanner({
    sink: (metric, tags, time, value) => ready.push({ metric, time, value, tags }),
    metrics: options.metrics,
    onReject: options.onRejected ?? (() => {}),
  });
  const drain = (): K6Point[] => {
    const out = ready;
    ready = [];
    return out;
  };
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let offset = 0;
  const buffer = Buffer.alloc(CHUNK);
  try {
    for (;;) {
      // Sampled before reading: if the writer had already exited, this read sees everything it wrote.
      const finished = options.finished();
      if (!handle) {
        try {
          handle = await open(file, 'r');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          if (finished) return;
          await pause(pollMs, options.exited);
          continue;
        }
      }
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        scanner.feed(buffer.subarray(0, bytesRead));
        yield* drain();
      }
      if (finished) {
        scanner.end();
        yield* drain();
        return;
      }
      await pause(pollMs, options.exited);
    }
  } finally {
    await handle?.close();
  }
}
