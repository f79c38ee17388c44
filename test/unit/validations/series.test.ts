import { expect } from 'chai';
import fc from 'fast-check';
import type { K6Point } from '../../../core/k6-output.ts';
import {
  percentile,
  percentileSorted,
  perSecond,
  rate,
  type SeriesGroup,
  SeriesStore,
  slidingPercentile,
  slidingRate,
} from '../../../validations/series.ts';

/** The k6 definition, written the plain way, to check the typed-array code against. */
function naivePercentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = (p / 100) * (s.length - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (i - lo);
}

/** Up to `maxLength` points at whole milliseconds in [0, maxT], with values few enough to tie often. */
const points = (maxT: number, maxLength: number) =>
  fc.array(fc.record({ t: fc.integer({ min: 0, max: maxT }), v: fc.integer({ min: 0, max: 50 }) }), { minLength: 1, maxLength });

function groupOf(pts: { t: number; v: number }[]) {
  return { times: Float64Array.from(pts.map((x) => x.t)), values: Float64Array.from(pts.map((x) => x.v)) };
}

describe('series', () => {
  it('computes percentiles by linear interpolation between closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).to.equal(2.5);
    expect(percentile([10], 99)).to.equal(10);
    expect(percentile([], 99)).to.be.NaN;
    expect(percentile([5, 1, 4, 2, 3], 90)).to.be.closeTo(4.6, 1e-12);
    expect(percentileSorted([0, 100], 99)).to.be.closeTo(99, 1e-12);
    expect(percentile([1, 2, 3], 100)).to.equal(3);
    expect(percentile([1, 2, 3], 0)).to.equal(1);
  });

  it('agrees with the plain definition on any input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 100 }),
        (xs, p) => {
          expect(percentile(xs, p)).to.equal(naivePercentile(xs, p));
        },
      ),
    );
  });

  it('counts a rate as the share of non-zero values', () => {
    expect(rate([0, 1, 0, 0])).to.deep.equal({ rate: 0.25, samples: 4, nonZero: 1 });
    expect(rate([]).rate).to.be.NaN;
  });

  it('groups points by tags and does not depend on insertion order', () => {
    const a = new SeriesStore();
    const b = new SeriesStore();
    const points: K6Point[] = [
      { metric: 'm', time: 1000, value: 1, tags: { vantage: 'eu', status: '200' } },
      { metric: 'm', time: 2000, value: 2, tags: { status: '200', vantage: 'us' } },
      { metric: 'm', time: 3000, value: 3, tags: { vantage: 'eu', status: '500' } },
      { metric: 'other', time: 3000, value: 3, tags: { vantage: 'eu' } },
    ];
    for (const p of points) a.addPoint(p);
    for (const p of [...points].reverse()) b.addPoint(p);
    const ga = a.select('m', { groupBy: ['vantage'] });
    expect(ga.map((g) => g.label)).to.deep.equal(['vantage=eu', 'vantage=us']);
    expect([...(ga[0]?.values ?? [])].sort()).to.deep.equal([1, 3]);
    expect(b.select('m', { groupBy: ['vantage'] }).map((g) => g.label)).to.deep.equal(['vantage=eu', 'vantage=us']);
    expect(a.select('m', { where: { status: '200' } })[0]?.values.length).to.equal(2);
    expect(a.select('m', { where: { status: ['500', '503'] } })[0]?.values.length).to.equal(1);
    expect(a.select('missing')).to.deep.equal([]);
    expect(a.tagValues('m', 'vantage')).to.deep.equal(['eu', 'us']);
    expect(a.span()).to.deep.equal({ start: 1000, end: 3000 });
  });

  it('sorts a group once for every gate asking the same question, and again once a point is added', () => {
    const s = new SeriesStore();
    for (const [v, region] of [
      [5, 'eu'],
      [1, 'eu'],
      [3, 'us'],
      [2, 'eu'],
    ] as const)
      s.addPoint({ metric: 'm', time: v * 1000, value: v, tags: { served_by: region } });
    const question = { groupBy: ['served_by'] };
    const [eu] = s.select('m', question);
    const sorted = s.sortedValues('m', question, eu as SeriesGroup);
    expect([...sorted]).to.deep.equal([1, 2, 5]);
    // p95 and p99 gates: the second asks again, with groups selected anew.
    expect(s.sortedValues('m', question, s.select('m', question)[0] as SeriesGroup)).to.equal(sorted);
    expect(s.sortedValues('m', { groupBy: ['served_by'], where: { served_by: 'eu' } }, eu as SeriesGroup)).to.not.equal(sorted);
    s.addPoint({ metric: 'm', time: 9000, value: 0, tags: { served_by: 'eu' } });
    expect([...s.sortedValues('m', question, s.select('m', question)[0] as SeriesGroup)]).to.deep.equal([0, 1, 2, 5]);
  });

  it('grows its typed arrays past the initial capacity', () => {
    const s = new SeriesStore();
    const tags = Object.freeze({ a: '1' });
    for (let i = 0; i < 10_000; i++) s.add('m', tags, i, i);
    const [g] = s.select('m');
    expect(g?.values.length).to.equal(10_000);
    expect(g?.values[9999]).to.equal(9999);
    expect(s.size).to.equal(10_000);
  });

  it('buckets per second', () => {
    const b = perSecond({ times: Float64Array.from([1500, 1999, 2000, 4100]), values: Float64Array.from([0, 1, 1, 0]) });
    expect(b.start).to.equal(1000);
    expect([...b.counts]).to.deep.equal([2, 1, 0, 1]);
    expect([...b.nonZero]).to.deep.equal([1, 1, 0, 0]);
  });

  it('computes sliding-window percentiles exactly, equal to recomputing each window', () => {
    fc.assert(
      fc.property(
        points(30_000, 300),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(50, 90, 99),
        (pts, w, step, p) => {
          const group = groupOf(pts);
          for (const win of slidingPercentile(group, p, w, step)) {
            const inside = pts.filter((x) => x.t >= win.start && x.t < win.end).map((x) => x.v);
            expect(win.samples).to.equal(inside.length);
            if (inside.length) expect(win.value).to.be.closeTo(naivePercentile(inside, p), 1e-9);
            else expect(win.value).to.be.NaN;
          }
          for (const win of slidingRate(group, w, step)) {
            const inside = pts.filter((x) => x.t >= win.start && x.t < win.end);
            expect(win.samples).to.equal(inside.length);
          }
        },
      ),
    );
  });

  it("reports each window's order statistics exactly: the values at the asked ranks and the count at or below a bound", () => {
    fc.assert(
      fc.property(points(20_000, 200), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 50 }), (pts, w, at) => {
        const group = groupOf(pts);
        // Ranks that depend on the window's size, one of them absent, as the evidence rule's can be.
        const ranks = (n: number) => ({ lower: n > 2 ? 2 : null, upper: n });
        const windows = slidingPercentile(group, 95, w, 1, undefined, { ranks, at });
        expect(windows, 'a window for a series with points').to.not.be.empty;
        for (const win of windows) {
          const inside = pts
            .filter((x) => x.t >= win.start && x.t < win.end)
            .map((x) => x.v)
            .sort((a, b) => a - b);
          if (inside.length === 0) {
            expect(win.ranked, 'no order statistics for an empty window').to.equal(undefined);
            continue;
          }
          expect(win.ranked, `window ${win.start}-${win.end}`).to.deep.equal({
            lower: inside.length > 2 ? inside[1] : null,
            upper: inside[inside.length - 1],
            within: inside.filter((v) => v <= at).length,
          });
        }
      }),
    );
  });
});
