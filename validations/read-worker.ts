// The second thread of a large read: takes the file's next block in turn with the reading thread (read-parallel.ts),
// decodes and checks the lines that start in it (read-blocks.ts), and hands the block's points back for the reading
// thread to take in the file's order. Both threads do the whole work of a line, so the two cores share a read evenly.
import { closeSync, openSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { K6TagTable } from '../core/k6-scanner.ts';
import { AHEAD, type BlockMessage, type BlockRequest, blockReader, readBlock } from './read-blocks.ts';

const port = parentPort;
if (!port) throw new Error('read-worker.ts runs as a worker thread');

/** Reads blocks in turn until none is left; the worker may have started before its request was known. */
function readBlocks(request: BlockRequest): void {
  /** [blocks claimed, blocks taken in order] (see `BlockRequest`). */
  const shared = new Int32Array(request.shared);
  const fd = openSync(request.path, 'r');
  const reader = blockReader(request, fd, new K6TagTable());
  try {
    for (;;) {
      // Not too far past the block the reading thread takes next: blocks waiting their turn cost memory.
      for (let taken = Atomics.load(shared, 1); Atomics.load(shared, 0) - taken >= AHEAD; taken = Atomics.load(shared, 1)) {
        Atomics.wait(shared, 1, taken, 1000);
      }
      const block = Atomics.add(shared, 0, 1);
      if (block >= request.blocks) return;
      const read = readBlock(reader, block);
      port?.postMessage(
        read satisfies BlockMessage,
        [read.ids, read.times, read.values, read.hashes].map((a) => a.buffer as ArrayBuffer),
      );
    }
  } finally {
    closeSync(fd);
  }
}

port.once('message', (request: BlockRequest) => {
  try {
    readBlocks(request);
  } catch (err) {
    port.postMessage({ kind: 'error', message: (err as Error).message } satisfies BlockMessage);
  }
});
