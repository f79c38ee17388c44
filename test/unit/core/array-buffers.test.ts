import { expect } from 'chai';
import { detach, resizedBuffer } from '../../../core/array-buffers.ts';

/** A buffer holding 1..n, as Node 20 has it when `withoutTransfer` (no ArrayBuffer.prototype.transfer). */
function filled(n: number, withoutTransfer: boolean): ArrayBuffer {
  const buffer = new ArrayBuffer(n * 8);
  new Float64Array(buffer).set(Array.from({ length: n }, (_, i) => i + 1));
  if (withoutTransfer) Object.defineProperty(buffer, 'transfer', { value: undefined });
  return buffer;
}

describe('array buffers moved and freed (core/array-buffers.ts)', () => {
  for (const withoutTransfer of [false, true]) {
    const node = withoutTransfer ? 'without transfer (Node 20)' : 'with transfer';
    it(`${node}: a resized buffer keeps the values, zero past them, and the old one is detached`, () => {
      const old = filled(4, withoutTransfer);
      const grown = new Float64Array(resizedBuffer(old, 6 * 8));
      expect([...grown]).to.deep.equal([1, 2, 3, 4, 0, 0]);
      expect(old.byteLength, 'the old buffer, detached').to.equal(0);
      expect([...new Float64Array(resizedBuffer(filled(4, withoutTransfer), 2 * 8))], 'shrunk').to.deep.equal([1, 2]);
    });

    it(`${node}: a freed buffer is detached, its views empty`, () => {
      const buffer = filled(3, withoutTransfer);
      const view = new Float64Array(buffer);
      detach(buffer);
      expect(buffer.byteLength).to.equal(0);
      expect(view.length).to.equal(0);
    });
  }
});
