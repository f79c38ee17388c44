import { open } from 'node:fs/promises';

/** Reads at most this much of a growing file per call, so a burst never takes the runner's memory. */
const MAX_READ = 16 * 1024 * 1024;

/**
 * The complete lines a growing file (k6's NDJSON) gained since the last call. A line k6 is still writing stays for
 * the next call; at the end (`final`), a line without its newline (k6 killed mid-write) is dropped and counted.
 */
export class LineTail {
  #offset = 0;
  #carry: Buffer = Buffer.alloc(0);
  /** Bytes of a torn last line dropped at the end. */
  torn = 0;

  constructor(readonly file: string) {}

  /** New complete lines (with their newlines) and how many; empty when there are none. */
  async next(final = false): Promise<{ text: Buffer; lines: number }> {
    const fresh = await this.#read();
    const all = this.#carry.length ? Buffer.concat([this.#carry, fresh]) : fresh;
    const end = all.lastIndexOf(0x0a) + 1;
    this.#carry = all.subarray(end);
    if (final && this.#carry.length) {
      this.torn = this.#carry.length;
      this.#carry = Buffer.alloc(0);
    }
    const text = all.subarray(0, end);
    let lines = 0;
    for (let i = text.indexOf(0x0a); i >= 0; i = text.indexOf(0x0a, i + 1)) lines++;
    return { text, lines };
  }

  async #read(): Promise<Buffer> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return Buffer.alloc(0); // k6 has not created it yet
    }
    try {
      const { size } = await handle.stat();
      const length = Math.min(size - this.#offset, MAX_READ);
      if (length <= 0) return Buffer.alloc(0);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, this.#offset);
      this.#offset += bytesRead;
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}
