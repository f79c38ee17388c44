// Follows k6's NDJSON output while k6 writes it, so a run can be watched live. k6 flushes its JSON output in
// batches; reading whole lines from a remembered offset sees every point exactly once, in file order.
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { InfrastructureError } from '../core/errors.ts';
import { type K6Point, parseK6Line } from '../core/k6-output.ts';

export interface TailOptions {
  /** True once the writer has exited: after that, what is in the file is all there is. */
  finished(): boolean;
  /** Resolves when the writer exits (wakes the tail early); optional. */
  exited?: Promise<unknown>;
  pollIntervalMs?: number;
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
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let offset = 0;
  let lineNo = 0;
  let partial = '';
  const decoder = new StringDecoder('utf8');
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
        const lines = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          lineNo++;
          let parsed: ReturnType<typeof parseK6Line>;
          try {
            parsed = parseK6Line(line);
          } catch (err) {
            throw new InfrastructureError(`${file}:${lineNo}: not a k6 JSON line (${(err as Error).message})`, { cause: err });
          }
          if (parsed?.kind === 'point') yield parsed.point;
        }
      }
      if (finished) {
        const last = partial + decoder.end();
        const parsed = last.trim() === '' ? undefined : parseK6Line(last);
        if (parsed?.kind === 'point') yield parsed.point;
        return;
      }
      await pause(pollMs, options.exited);
    }
  } finally {
    await handle?.close();
  }
}
