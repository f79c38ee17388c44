import { expect } from 'chai';
import fc from 'fast-check';
import { drained, shiftedWeights } from '../../../chaos/weights.ts';

describe('weight shift', () => {
  const prior = { use1: 60, usw2: 30, euw1: 10 };

  it('a DNS canary: 10 %, 50 %, 100 % to one region, the others keep their relative shares', () => {
    expect(shiftedWeights(prior, 'euw1', 10)).to.deep.equal({ euw1: 10, use1: 60, usw2: 30 });
    expect(shiftedWeights(prior, 'euw1', 50)).to.deep.equal({ euw1: 50, use1: 33, usw2: 17 });
    expect(shiftedWeights(prior, 'euw1', 100)).to.deep.equal({ euw1: 100, use1: 0, usw2: 0 });
  });

  it('0 % drains a region; the others share everything', () => {
    const next = shiftedWeights(prior, 'use1', 0);
    expect(next).to.deep.equal({ use1: 0, usw2: 75, euw1: 25 });
    expect(drained(prior, next)).to.deep.equal(['use1']);
    expect(drained(prior, shiftedWeights(prior, 'euw1', 100))).to.deep.equal(['use1', 'usw2']);
  });

  it('others that all had weight 0 share the rest equally', () => {
    expect(shiftedWeights({ a: 0, b: 0, c: 0 }, 'a', 40)).to.deep.equal({ a: 40, b: 30, c: 30 });
  });

  it('rejects a percentage outside 0-100 and an unknown record', () => {
    expect(() => shiftedWeights(prior, 'use1', 101)).to.throw(/0-100/);
    expect(() => shiftedWeights(prior, 'use1', 12.5)).to.throw(/whole/);
    expect(() => shiftedWeights(prior, 'nope', 10)).to.throw(/no weighted record/);
  });

  it('always sums to 100 with the target at exactly its percentage, weights within 0-255', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.nat(),
        (ws, p, pick) => {
          const weights = Object.fromEntries(ws.map((w, i) => [`r${i}`, w]));
          const target = `r${pick % ws.length}`;
          const next = shiftedWeights(weights, target, p);
          const values = Object.values(next);
          expect(values.reduce((a, b) => a + b, 0)).to.equal(100);
          expect(next[target]).to.equal(ws.length === 1 ? 100 : p);
          for (const v of values) expect(v).to.be.within(0, 255);
        },
      ),
    );
  });
});
