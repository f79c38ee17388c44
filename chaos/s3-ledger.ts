import type { S3Client } from '@aws-sdk/client-s3';
import type { LedgerEntry } from '../core/ledger-entry.ts';
import type { RetryPolicy } from './aws-call.ts';
import { type LedgerRead, parseLedger } from './ledger.ts';
import { HEARTBEAT_MS, ownsLock, type ProcessIdentity, processIdentity, type RunOwner } from './run-lock.ts';
import { below, getJson, listKeys, putJson, type S3Location, s3LocationOf, s3Url, WriteConflict } from './s3-object.ts';

// The fault ledger kept in S3 too (`chaos.ledger: s3://bucket/prefix`), so that a restore on another machine sees a
// run whose machine is gone (an ephemeral CI runner). S3 has no append: each entry is its own object,
// `<prefix>/<run>/entries/<seq>.json`, created with If-None-Match so no entry is ever overwritten, even by two writers
// at once; it is durable when PutObject returns, before the change it announces is made. `<prefix>/<run>/lock.json`
// names the live owner, touched every few seconds like the local lock.

/** Where a config keeps ledgers in S3, with the client to reach them. */
export interface S3LedgerPlace {
  s3: S3Client;
  prefix: S3Location;
  retry?: RetryPolicy;
}

/** The S3 place `chaos.ledger` names, if it names one. */
export function s3LedgerPlace(ledger: string | undefined, s3: () => S3Client, retry?: RetryPolicy): S3LedgerPlace | undefined {
  if (!ledger?.startsWith('s3://')) return undefined;
  return { s3: s3(), prefix: s3LocationOf(ledger, 'chaos.ledger'), retry };
}

const SEQ = /\/entries\/(\d+)\.json$/;
const pad = (n: number) => String(n).padStart(8, '0');

/** Pure: the run names in a listing of the ledger prefix. */
export function runsInKeys(prefix: S3Location, keys: string[]): string[] {
  const runs = new Set<string>();
  for (const k of keys) {
    const m = new RegExp(`^${prefix.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/]+)/entries/\\d+\\.json$`).exec(k);
    if (m) runs.add(m[1] as string);
  }
  return [...runs].sort();
}

/** The runs with a ledger in S3. */
export async function listS3Runs(place: S3LedgerPlace): Promise<string[]> {
  return runsInKeys(place.prefix, await listKeys(place.s3, place.prefix, place.retry));
}

/** Reads a run's ledger from S3; an object that is not a ledger entry is reported by its key, like a damaged line. */
export async function readS3Run(place: S3LedgerPlace, run: string): Promise<LedgerRead> {
  const dir = below(place.prefix, run);
  const keys = (await listKeys(place.s3, below(dir, 'entries'), place.retry)).filter((k) => SEQ.test(k));
  const read: LedgerRead = { entries: [], damaged: [] };
  for (const key of keys) {
    const where = s3Url({ bucket: place.prefix.bucket, key });
    try {
      const got = await getJson<unknown>(place.s3, { bucket: place.prefix.bucket, key }, place.retry);
      const one = parseLedger(`${JSON.stringify(got?.value ?? null)}\n`, where);
      read.entries.push(...one.entries);
      read.damaged.push(...one.damaged.map((d) => ({ ...d, line: Number(SEQ.exec(key)?.[1]) })));
    } catch (err) {
      read.damaged.push({ file: where, line: Number(SEQ.exec(key)?.[1]), reason: (err as Error).message });
    }
  }
  return read;
}

/** A run's ledger in S3, open for appending. */
export class S3RunLedger {
  private constructor(
    private readonly place: S3LedgerPlace,
    private readonly dir: S3Location,
    private next: number,
  ) {}

  get where(): string {
    return s3Url(this.dir);
  }

  /** Opens a run's S3 ledger; appends continue after its last entry. */
  static async open(place: S3LedgerPlace, run: string): Promise<S3RunLedger> {
    const dir = below(place.prefix, run);
    const keys = await listKeys(place.s3, below(dir, 'entries'), place.retry);
    const last = Math.max(0, ...keys.map((k) => Number(SEQ.exec(k)?.[1] ?? 0)));
    return new S3RunLedger(place, dir, last + 1);
  }

  /** Writes one entry as a new object; resolves once S3 has it. Another writer's entry is never overwritten. */
  async append(entry: LedgerEntry): Promise<void> {
    for (;;) {
      const at = below(this.dir, `entries/${pad(this.next)}.json`);
      try {
        await putJson(this.place.s3, at, entry, { ifNoneMatch: true }, this.place.retry);
        this.next += 1;
        return;
      } catch (err) {
        if (!(err instanceof WriteConflict)) throw err;
        this.next += 1; // another writer (a restore elsewhere) took that number
      }
    }
  }
}

interface S3Lock extends ProcessIdentity {
  /** When the owner last said it is alive. */
  heartbeat: string;
  released?: boolean;
}

/** Marks a run in S3 as owned by this process and keeps touching it; resolves the release function. */
export async function lockS3Run(place: S3LedgerPlace, run: string, who: ProcessIdentity = processIdentity()): Promise<() => Promise<void>> {
  const at = below(below(place.prefix, run), 'lock.json');
  const write = (extra: Partial<S3Lock> = {}) =>
    putJson(place.s3, at, { ...who, heartbeat: new Date().toISOString(), ...extra }, undefined, place.retry);
  await write();
  const heartbeat = setInterval(() => void write().catch(() => {}), HEARTBEAT_MS);
  heartbeat.unref();
  return async () => {
    clearInterval(heartbeat);
    await write({ released: true }).catch(() => {});
  };
}

/** The live process that owns a run kept in S3, if any (its host, PID and start time on this host; its heartbeat elsewhere). */
export async function s3RunOwner(place: S3LedgerPlace, run: string, now: number = Date.now()): Promise<RunOwner | undefined> {
  const lock = (await getJson<S3Lock>(place.s3, below(below(place.prefix, run), 'lock.json'), place.retry))?.value;
  if (!lock || lock.released) return undefined;
  const owns = ownsLock(lock, {
    self: processIdentity(),
    current: (pid) => {
      const id = processIdentity(pid);
      return id.startTicks === undefined ? undefined : id;
    },
    ageMs: now - Date.parse(lock.heartbeat),
  });
  return owns ? { host: lock.host, pid: lock.pid } : undefined;
}
