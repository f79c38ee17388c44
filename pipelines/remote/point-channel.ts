import type { K6Point } from '../../core/k6-output.ts';

/**
 * Points pushed by several producers (local k6, each remote runner's follower), read by one consumer as they come;
 * the stream ends when it is closed and drained. Unbounded by design: the consumer (the live progress) is faster
 * than any runner.
 */
export class PointChannel implements AsyncIterable<K6Point> {
  #queue: K6Point[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  push(p: K6Point): void {
    if (this.#closed) return;
    this.#queue.push(p);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<K6Point> {
    for (;;) {
      while (this.#queue.length) {
        const batch = this.#queue;
        this.#queue = [];
        yield* batch;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

/** Feeds every point of `source` into `channel`; resolves when the source ends. */
export async function pipeInto(source: AsyncIterable<K6Point>, channel: PointChannel): Promise<void> {
  for await (const p of source) channel.push(p);
}
