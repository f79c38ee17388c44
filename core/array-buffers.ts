// Moving and freeing typed arrays' memory at once. `ArrayBuffer.prototype.transfer` (Node 21 and later) moves a buffer's
// memory into a larger one and detaches the old, freeing it without waiting for the garbage collector, which a small
// heap seldom asks for. Node 20 lacks it: there a buffer is copied, and the old one detached by a structured clone
// that takes its memory (freed when that clone is collected), so on every Node an outgrown or freed buffer reads as
// empty rather than as stale values.

type Transferable = ArrayBuffer & { transfer?: (bytes?: number) => ArrayBuffer };

/** `buffer`'s bytes in a buffer of `bytes` bytes (zero-filled past them); `buffer` is detached where Node can. */
export function resizedBuffer(buffer: ArrayBuffer, bytes: number): ArrayBuffer {
  const b = buffer as Transferable;
  if (b.transfer) return b.transfer(bytes);
  const out = new ArrayBuffer(bytes);
  new Uint8Array(out).set(new Uint8Array(buffer, 0, Math.min(bytes, buffer.byteLength)));
  detach(buffer);
  return out;
}

/** Frees `buffer`'s memory now and detaches it (its views read as empty). */
export function detach(buffer: ArrayBuffer): void {
  const b = buffer as Transferable;
  if (b.transfer) b.transfer(0);
  else structuredClone(buffer, { transfer: [buffer] });
}
