import { basename } from 'node:path';
import type { LedgerEntry } from '../core/ledger-entry.ts';
import { FaultLedger, inspectLedger, type LedgerRead } from './ledger.ts';
import { type RunOwner, runOwner } from './run-lock.ts';
import { listS3Runs, readS3Run, type S3LedgerPlace, S3RunLedger, s3RunOwner } from './s3-ledger.ts';
import { below, s3Url } from './s3-object.ts';

// Every copy of every run's ledger, as restore reads them: the run folders here and, with `chaos.ledger` in S3, the
// runs kept there, including those whose machine is gone. A run kept in both places is read from both and their
// entries merged, so restore is as strong as the better copy.

/** One run's ledger, from every copy of it. */
export interface RunView {
  name: string;
  /** Where it is, for messages: the run folder, or its S3 location when it exists only there. */
  where: string;
  runDir?: string;
  read: LedgerRead;
  owner?: RunOwner;
}

/** Pure: the entries of two copies of one ledger, each once, in the order they were written. */
export function mergeEntries(a: LedgerEntry[], b: LedgerEntry[]): LedgerEntry[] {
  const seen = new Set<string>();
  const all: LedgerEntry[] = [];
  for (const e of [...a, ...b]) {
    const key = JSON.stringify(e);
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(e);
  }
  // A stable sort: entries written in the same millisecond keep their order (an intent before its applied).
  return all
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at.localeCompare(y.e.at) || x.i - y.i)
    .map((x) => x.e);
}

/**
 * Reads the given run folders and, with an S3 place, their S3 copies; `all` adds the runs kept only in S3. A copy
 * that cannot be read is reported as damaged, never thrown: the other copies and runs are still read.
 */
export async function readRuns(runDirs: string[], place: S3LedgerPlace | undefined, all: boolean): Promise<RunView[]> {
  const views: RunView[] = [];
  let remote: string[] = [];
  const problems: LedgerRead['damaged'] = [];
  if (place) {
    try {
      remote = await listS3Runs(place);
    } catch (err) {
      problems.push({ file: s3Url(place.prefix), line: 0, reason: `cannot list the ledgers kept in S3: ${(err as Error).message}` });
    }
  }
  const local = new Set(runDirs.map((d) => basename(d)));
  for (const runDir of runDirs) {
    const name = basename(runDir);
    const read = inspectLedger(runDir);
    const view: RunView = { name, where: runDir, runDir, read };
    if (place && remote.includes(name)) await mergeRemote(view, place);
    view.owner = runOwner(runDir) ?? (place && remote.includes(name) ? await ownerIn(place, view) : undefined);
    views.push(view);
  }
  for (const name of all && place ? remote.filter((r) => !local.has(r)) : []) {
    const view: RunView = { name, where: s3Url(below((place as S3LedgerPlace).prefix, name)), read: { entries: [], damaged: [] } };
    await mergeRemote(view, place as S3LedgerPlace);
    view.owner = await ownerIn(place as S3LedgerPlace, view);
    views.push(view);
  }
  if (problems.length)
    views.push({ name: '(s3)', where: s3Url((place as S3LedgerPlace).prefix), read: { entries: [], damaged: problems } });
  return views;
}

async function mergeRemote(view: RunView, place: S3LedgerPlace): Promise<void> {
  try {
    const copy = await readS3Run(place, view.name);
    view.read = { entries: mergeEntries(view.read.entries, copy.entries), damaged: [...view.read.damaged, ...copy.damaged] };
  } catch (err) {
    view.read.damaged.push({ file: s3Url(below(place.prefix, view.name)), line: 0, reason: `cannot read: ${(err as Error).message}` });
  }
}

async function ownerIn(place: S3LedgerPlace, view: RunView): Promise<RunOwner | undefined> {
  try {
    return await s3RunOwner(place, view.name);
  } catch {
    return undefined;
  }
}

/**
 * Appends entries to every copy of a run's ledger. A copy that cannot be written (read-only, immutable, a full disk,
 * S3 refusing) is reported once through `unwritable` and the caller goes on: the world is put back even when the
 * record of it cannot be.
 */
export function runRecorder(place: S3LedgerPlace | undefined, unwritable: (view: RunView, error: string) => void) {
  const local = new Map<string, FaultLedger | Error>();
  const remote = new Map<string, Promise<S3RunLedger> | Error>();
  const failed = new Set<string>();
  const fail = (view: RunView, err: unknown) => {
    if (failed.has(view.where)) return;
    failed.add(view.where);
    unwritable(view, (err as Error).message);
  };
  return {
    async append(view: RunView, entry: LedgerEntry): Promise<void> {
      if (view.runDir) {
        try {
          let l = local.get(view.runDir);
          if (l instanceof Error) throw l;
          if (!l) {
            l = FaultLedger.open(view.runDir);
            local.set(view.runDir, l);
          }
          l.append(entry);
        } catch (err) {
          if (view.runDir && !(local.get(view.runDir) instanceof Error)) local.set(view.runDir, err as Error);
          fail(view, err);
        }
      }
      if (!place) return;
      try {
        let r = remote.get(view.name);
        if (r instanceof Error) throw r;
        if (!r) {
          r = S3RunLedger.open(place, view.name);
          remote.set(view.name, r);
        }
        await (await r).append(entry);
      } catch (err) {
        remote.set(view.name, err as Error);
        fail(view, err);
      }
    },
    close() {
      for (const l of local.values()) if (!(l instanceof Error)) l.close();
    },
  };
}
