import { replicate } from './admin-client.ts';

// The region app's data: items and sessions, replicated asynchronously to the other regions with last-writer-wins,
// like a DynamoDB global table. Replication is delivered to the peers' admin listeners (the data store outlives the
// compute: a stopped app still receives), after a configurable lag; it can be paused and resumed.

export type Table = 'items' | 'sessions';

/** A replicated record; `updatedAt` then `origin` order concurrent writes (last writer wins). */
export interface StoredRecord {
  id: string;
  value: unknown;
  version: number;
  updatedAt: number;
  origin: string;
}

/** True when `a` wins over `b` under last-writer-wins; the region name breaks ties so every replica converges. */
export function newerThan(a: StoredRecord, b: StoredRecord | undefined): boolean {
  if (!b) return true;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  return a.origin > b.origin;
}

/** Another region's app, reached at its admin listener. */
export interface Peer {
  region: string;
  adminUrl: string;
}

/** Sends one record to a peer; throws when it was not accepted (it is retried). */
export type Deliver = (peer: Peer, table: Table, record: StoredRecord) => Promise<void>;

export interface ReplicatedStoreOptions {
  region: string;
  peers: Peer[];
  replicationLagMs: number;
  /** Called with the replication latency of every record from another region applied here. */
  onReplicated?: (latencyMs: number) => void;
  /** Default: POST to the peer's `/internal/replicate` over its admin socket. */
  deliver?: Deliver;
}

interface Outgoing {
  peer: Peer;
  table: Table;
  record: StoredRecord;
  dueAt: number;
}

/** Delivers one record to a peer's admin listener. */
export const deliverToAdmin: Deliver = async (peer, table, record) => {
  await replicate(peer.adminUrl, table, record);
};

/** One region's replica of every table, with its outgoing and (while paused) incoming replication queues. */
export class ReplicatedStore {
  private readonly tables: Record<Table, Map<string, StoredRecord>> = { items: new Map(), sessions: new Map() };
  private outbox: Outgoing[] = [];
  private inbox: { table: Table; record: StoredRecord }[] = [];
  private paused = false;
  private pumping = false;
  private readonly pump: NodeJS.Timeout;

  constructor(private readonly options: ReplicatedStoreOptions) {
    // Delivers due messages unless replication is paused; a failed delivery is retried a little later.
    this.pump = setInterval(() => this.deliverDue(), 20);
    this.pump.unref();
  }

  get(table: Table, id: string): StoredRecord | undefined {
    return this.tables[table].get(id);
  }

  /** A local write: stored here at once, queued for every peer. */
  write(table: Table, id: string, value: unknown): StoredRecord {
    const existing = this.tables[table].get(id);
    const now = Date.now();
    // A write never goes back in time relative to the record it replaces, so the writer's own change wins locally.
    const updatedAt = existing && existing.updatedAt >= now ? existing.updatedAt + 1 : now;
    const record: StoredRecord = { id, value, version: (existing?.version ?? 0) + 1, updatedAt, origin: this.options.region };
    this.tables[table].set(id, record);
    for (const peer of this.options.peers) this.outbox.push({ peer, table, record, dueAt: now + this.options.replicationLagMs });
    return record;
  }

  /** A record replicated from a peer: applied, or held while replication is paused. */
  receive(table: Table, record: StoredRecord): void {
    if (this.paused) this.inbox.push({ table, record });
    else this.apply(table, record);
  }

  /** Pauses or resumes replication both ways; resuming applies what arrived meanwhile. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (paused || this.inbox.length === 0) return;
    for (const m of this.inbox) this.apply(m.table, m.record);
    this.inbox = [];
  }

  /** Writes waiting to leave, and received writes waiting to be applied. */
  backlog(): { outbox: number; inbox: number } {
    return { outbox: this.outbox.length, inbox: this.inbox.length };
  }

  stop(): void {
    clearInterval(this.pump);
  }

  private apply(table: Table, record: StoredRecord): void {
    if (record.origin !== this.options.region) this.options.onReplicated?.(Math.max(0, Date.now() - record.updatedAt));
    if (newerThan(record, this.tables[table].get(record.id))) this.tables[table].set(record.id, record);
  }

  private deliverDue(): void {
    if (this.pumping || this.paused || this.outbox.length === 0) return;
    this.pumping = true;
    const now = Date.now();
    const due = this.outbox.filter((m) => m.dueAt <= now);
    this.outbox = this.outbox.filter((m) => m.dueAt > now);
    const deliver = this.options.deliver ?? deliverToAdmin;
    Promise.all(
      due.map(async (m) => {
        try {
          await deliver(m.peer, m.table, m.record);
        } catch {
          this.outbox.push({ ...m, dueAt: Date.now() + 200 });
        }
      }),
    ).finally(() => {
      this.pumping = false;
    });
  }
}
