import { expect } from 'chai';
import { combineFaults, newerThan, type StoredRecord } from '../../../sandbox/region-app.ts';

describe('region-app: pure parts', () => {
  it('combines fault sources: union of dependencies, added latency, worst error rate, any flag', () => {
    expect(combineFaults([])).to.deep.equal({
      dependenciesDown: [],
      addedLatencyMs: 0,
      errorRate: 0,
      replicationPaused: false,
      stopped: false,
      unreachable: false,
    });
    expect(
      combineFaults([
        { dependenciesDown: ['database'], addedLatencyMs: 100, errorRate: 0.2 },
        { dependenciesDown: ['cache', 'database'], addedLatencyMs: 50, errorRate: 0.1, stopped: true },
        { replicationPaused: true },
      ]),
    ).to.deep.equal({
      dependenciesDown: ['cache', 'database'],
      addedLatencyMs: 150,
      errorRate: 0.2,
      replicationPaused: true,
      stopped: true,
      unreachable: false,
    });
  });

  it('orders writes last-writer-wins, ties broken by region so every replica converges', () => {
    const rec = (updatedAt: number, origin: string): StoredRecord => ({ id: 'x', value: origin, version: 1, updatedAt, origin });
    expect(newerThan(rec(2, 'a'), rec(1, 'b'))).to.equal(true);
    expect(newerThan(rec(1, 'b'), rec(2, 'a'))).to.equal(false);
    expect(newerThan(rec(1, 'b'), rec(1, 'a'))).to.equal(true);
    expect(newerThan(rec(1, 'a'), rec(1, 'b'))).to.equal(false);
    expect(newerThan(rec(1, 'a'), undefined)).to.equal(true);
  });
});
