import { expect } from 'chai';
import fc from 'fast-check';
import { canaryWeights, drained } from '../../../chaos/weights.ts';

describe('weight shift: a canary that only canaries', () => {
  const prior = { use1: 60, usw2: 30, euw1: 10 };

  it('10 %, 50 %, 100 % of the region’s own weight; every other region keeps its weight', () => {
    // The old shift gave euw1 a share of the total: at 100 % use1 and usw2 went to 0, draining two healthy regions.
    expect(canaryWeights(prior, 'use1', 10)).to.deep.equal({ use1: 6, usw2: 30, euw1: 10 });
    expect(canaryWeights(prior, 'use1', 50)).to.deep.equal({ use1: 30, usw2: 30, euw1: 10 });
    expect(canaryWeights(prior, 'use1', 100)).to.deep.equal(prior);
    expect(drained(prior, canaryWeights(prior, 'euw1', 100))).to.deep.equal([]);
  });

  it('a step is rounded but never drains the region; only 0 % does', () => {
    expect(canaryWeights(prior, 'euw1', 1)).to.deep.equal({ use1: 60, usw2: 30, euw1: 1 });
    const next = canaryWeights(prior, 'use1', 0);
    expect(next).to.deep.equal({ use1: 0, usw2: 30, euw1: 10 });
    expect(drained(prior, next)).to.deep.equal(['use1']);
  });

  it('rejects a percentage outside 0-100 and an unknown record', () => {
    expect(() => canaryWeights(prior, 'use1', 101)).to.throw(/0-100/);
    expect(() => canaryWeights(prior, 'use1', 12.5)).to.throw(/whole/);
    expect(() => canaryWeights(prior, 'nope', 10)).to.throw(/no weighted record/);
  });

  it('for any weights and step: the others unchanged, the target never above its prior weight, never 0 unless asked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.nat(),
        (ws, p, pick) => {
          const weights = Object.fromEntries(ws.map((w, i) => [`r${i}`, w]));
          const target = `r${pick % ws.length}`;
          const next = canaryWeights(weights, target, p);
          for (const [k, v] of Object.entries(weights)) if (k !== target) expect(next[k], k).to.equal(v);
          expect(next[target]).to.be.at.most(weights[target] as number);
          if (p > 0 && (weights[target] as number) > 0) expect(next[target], 'not drained').to.be.greaterThan(0);
          expect(drained(weights, next)).to.deep.equal(p === 0 && (weights[target] as number) > 0 ? [target] : []);
        },
      ),
    );
  });
});
