import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { newerThan, type Peer, ReplicatedStore, type StoredRecord, type Table } from '../../../../sandbox/region-app/store.ts';

describe('region-app store', () => {
  it('orders writes last-writer-wins, ties broken by region so every replica converges', () => {
    const rec = (updatedAt: number, origin: string): StoredRecord => ({ id: 'x', value: origin, version: 1, updatedAt, origin });
    expect(newerThan(rec(2, 'a'), rec(1, 'b')), 'the later write wins').to.equal(true);
    expect(newerThan(rec(1, 'b'), rec(2, 'a')), 'the earlier write loses').to.equal(false);
    expect(newerThan(rec(1, 'b'), rec(1, 'a')), 'a tie: the greater region wins').to.equal(true);
    expect(newerThan(rec(1, 'a'), rec(1, 'b')), 'a tie: the lesser region loses').to.equal(false);
    expect(newerThan(rec(1, 'a'), undefined), 'anything beats nothing').to.equal(true);
  });

  it('replicates a write to every peer after the lag, holds it while paused, and applies what arrived on resume', async () => {
    const delivered: { peer: string; table: Table; id: string }[] = [];
    const peers: Peer[] = [{ region: 'us-west-2', adminUrl: 'unused' }];
    const store = new ReplicatedStore({
      region: 'us-east-1',
      peers,
      replicationLagMs: 30,
      deliver: async (peer, table, record) => {
        delivered.push({ peer: peer.region, table, id: record.id });
      },
    });
    const replicated: number[] = [];
    const other = new ReplicatedStore({ region: 'us-west-2', peers: [], replicationLagMs: 0, onReplicated: (ms) => replicated.push(ms) });
    try {
      store.write('items', 'a', 1);
      expect(delivered, 'nothing leaves before the lag').to.deep.equal([]);
      await sleep(120);
      expect(delivered).to.deep.equal([{ peer: 'us-west-2', table: 'items', id: 'a' }]);

      store.setPaused(true);
      store.write('items', 'b', 2);
      await sleep(120);
      expect(delivered, 'paused: the write waits in the outbox').to.have.length(1);
      expect(store.backlog()).to.deep.equal({ outbox: 1, inbox: 0 });

      other.setPaused(true);
      other.receive('items', { id: 'c', value: 3, version: 1, updatedAt: Date.now(), origin: 'us-east-1' });
      expect(other.get('items', 'c'), 'paused: a received write is held').to.equal(undefined);
      other.setPaused(false);
      expect(other.get('items', 'c')?.value).to.equal(3);
      expect(replicated, 'the applied write reports its replication latency').to.have.length(1);
    } finally {
      store.stop();
      other.stop();
    }
  });
});
