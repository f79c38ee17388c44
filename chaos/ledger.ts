import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { redactSecrets } from '../config/redact.ts';
import { InfrastructureError } from '../core/errors.ts';
import type { LedgerEntry } from '../core/ledger-entry.ts';

export const LEDGER_FILE = 'ledger.jsonl';

export type IntentEntry = Extract<LedgerEntry, { kind: 'intent' }>;
export type AppliedEntry = Extract<LedgerEntry, { kind: 'applied' }>;

/** A fault whose intent has no `undone` yet: it may be applied, half applied or not applied at all. */
export interface OpenFault {
  intent: IntentEntry;
  applied?: AppliedEntry;
  /** The last failure recorded for it, if any. */
  lastError?: string;
}

export function ledgerFile(runDir: string): string {
  return join(runDir, LEDGER_FILE);
}

/** A ledger line that could not be read: skipped, and reported with where it is. */
export interface DamagedLine {
  /** The ledger it is in (a file path). */
  file: string;
  /** 1-based; 0 when the whole ledger could not be read. */
  line: number;
  reason: string;
}

/** A ledger as read: the entries it could read, and the lines it could not. */
export interface LedgerRead {
  entries: LedgerEntry[];
  damaged: DamagedLine[];
}

const KINDS = new Set(['intent', 'applied', 'undone', 'kept', 'failed', 'stop']);

/** Pure: why a parsed line is not a ledger entry, or undefined when it is one. */
function entryProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `not a ledger entry (${JSON.stringify(v)?.slice(0, 40)})`;
  const e = v as Record<string, unknown>;
  if (typeof e.kind !== 'string' || !KINDS.has(e.kind)) return `unknown kind ${JSON.stringify(e.kind)}`;
  if (typeof e.id !== 'string' || typeof e.at !== 'string') return `${e.kind} without an id and a time`;
  if (e.kind === 'intent') {
    const f = e.fault as Record<string, unknown> | undefined;
    if (typeof f !== 'object' || f === null || typeof f.kind !== 'string' || typeof f.region !== 'string' || typeof e.deadline !== 'string')
      return 'intent without its fault and deadline';
  }
  return undefined;
}

/**
 * Pure: parses ledger text. A line that is not a ledger entry is skipped and reported with its line number, so one
 * damaged line costs what it held and nothing more. A process killed mid-write can leave a torn last line (no newline
 * after it): it is skipped silently, because its entry was never acknowledged (the change it announced was not made
 * before the fsync returned).
 */
export function parseLedger(text: string, file = 'ledger'): LedgerRead {
  const lines = text.split('\n');
  const read: LedgerRead = { entries: [], damaged: [] };
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let problem: string | undefined;
    let value: unknown;
    try {
      value = JSON.parse(line);
      problem = entryProblem(value);
    } catch {
      // The last line without a newline after it is a torn write, never acknowledged.
      if (i === lines.length - 1) return;
      problem = 'not JSON';
    }
    if (problem) read.damaged.push({ file, line: i + 1, reason: problem });
    else read.entries.push(value as LedgerEntry);
  });
  return read;
}

/** Reads a run folder's ledger; an absent ledger is an empty one, an unreadable one is reported, never thrown. */
export function inspectLedger(runDir: string): LedgerRead {
  const file = ledgerFile(runDir);
  if (!existsSync(file)) return { entries: [], damaged: [] };
  try {
    return parseLedger(readFileSync(file, 'utf8'), file);
  } catch (err) {
    return { entries: [], damaged: [{ file, line: 0, reason: `cannot read the ledger: ${(err as Error).message}` }] };
  }
}

/** The readable entries of a run folder's ledger (damaged lines skipped; {@link inspectLedger} says which). */
export function readLedger(runDir: string): LedgerEntry[] {
  return inspectLedger(runDir).entries;
}

/** Pure: the faults still open (intent without undone or kept), in the order their intents were written. */
export function openFaults(entries: Iterable<LedgerEntry>): OpenFault[] {
  const open = new Map<string, OpenFault>();
  for (const e of entries) {
    if (e.kind === 'intent') open.set(e.id, { intent: e });
    else if (e.kind === 'applied') {
      const f = open.get(e.id);
      if (f) f.applied = e;
    } else if (e.kind === 'failed') {
      const f = open.get(e.id);
      if (f) f.lastError = e.error;
    } else if (e.kind === 'undone' || e.kind === 'kept') open.delete(e.id);
  }
  return [...open.values()];
}

/** Pure: open faults whose dead man's switch has run out at `now` (ms). */
export function overdueFaults(open: OpenFault[], now: number): OpenFault[] {
  return open.filter((f) => Date.parse(f.intent.deadline) <= now);
}

/**
 * The append-only fault ledger of one run. Every append is one JSON line, written and fsynced before `append`
 * returns, so an intent is on disk before the change it announces is made, whatever kills the process next.
 * @see ../shared/DESIGN.md, "Undo before do"
 */
export class FaultLedger {
  readonly file: string;
  #fd: number | undefined;
  #entries: LedgerEntry[];

  private constructor(
    readonly runDir: string,
    entries: LedgerEntry[],
    fd: number,
  ) {
    this.file = ledgerFile(runDir);
    this.#entries = entries;
    this.#fd = fd;
  }

  /** Opens (creating if needed) the ledger of a run folder for appending. */
  static open(runDir: string): FaultLedger {
    const file = ledgerFile(runDir);
    const existed = existsSync(file);
    const bytes = existed ? readFileSync(file) : Buffer.alloc(0);
    const { entries } = parseLedger(bytes.toString('utf8'), file);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
      // A torn last line (a crash mid-write) was never acknowledged: cut it off so the next entry starts clean.
      truncateSync(file, bytes.lastIndexOf(0x0a) + 1);
    }
    const fd = openSync(file, 'a');
    if (!existed) {
      // Make the new file's directory entry durable too, not only its contents.
      fsyncSync(fd);
      syncDir(runDir);
    } else fsyncSync(fd);
    return new FaultLedger(runDir, entries, fd);
  }

  get entries(): readonly LedgerEntry[] {
    return this.#entries;
  }

  /** Appends one entry and fsyncs; returns only once the line is durable. */
  append(entry: LedgerEntry): void {
    if (this.#fd === undefined) throw new InfrastructureError(`ledger ${this.file} is closed`);
    // Error texts and reasons come from AWS, hooks and users: masked like any output (the prior state is kept as is).
    const line = JSON.stringify(entry, (k, v) => ((k === 'error' || k === 'reason') && typeof v === 'string' ? redactSecrets(v) : v));
    writeSync(this.#fd, `${line}\n`);
    fsyncSync(this.#fd);
    this.#entries.push(entry);
  }

  openFaults(): OpenFault[] {
    return openFaults(this.#entries);
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the file's own fsync still holds its contents.
  }
}
