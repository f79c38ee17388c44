import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import { type Checkpoint, noCheckpoints } from './checkpoints.ts';
import type { ChaosClients } from './clients.ts';
import { driverFor } from './drivers.ts';
import type { FaultContext } from './fault.ts';
import { allowedAccount } from './guardrails.ts';
import { guardrailLease } from './lease.ts';
import { type DamagedLine, type OpenFault, openFaults, overdueFaults } from './ledger.ts';
import { listRunFolders, RUNS_DIR } from './run-folder.ts';
import { type RunView, readRuns, runRecorder } from './run-ledgers.ts';
import { s3LedgerPlace } from './s3-ledger.ts';

export interface RestoreOptions {
  config: CrosswindConfig;
  clients: ChaosClients;
  /** Project directory holding `.crosswind/runs`. */
  root?: string;
  /** Only these run folders; default every run. */
  runDirs?: string[];
  /** Only faults past their deadline (the dead man's switch). */
  overdueOnly?: boolean;
  /** The credentials' account, already checked against aws.accountIds; otherwise checked before the first undo. */
  account?: string;
  /** Why, written into each `undone` entry. */
  reason?: string;
  log?: (line: string) => void;
  checkpoint?: Checkpoint;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

export interface RestoreSummary {
  undone: { runDir: string; id: string; kind: string; region: string; result: string }[];
  failed: { runDir: string; id: string; kind: string; region: string; error: string }[];
  /** Runs a live crosswind process owns, left to it. */
  skipped: { runDir: string; pid: number; host: string }[];
  /** Ledger lines that could not be read: skipped, so what they held is unknown. */
  damaged: DamagedLine[];
  /** Ledgers that refused the `undone` lines (read-only, immutable, full): their faults were undone all the same. */
  unrecorded: { runDir: string; error: string }[];
}

/** One open fault and the run it belongs to. */
export interface LocatedFault extends OpenFault {
  runDir: string;
}

/** What the ledgers of some runs hold open: faults to undo, runs left to their live owner, lines that could not be read. */
export interface OpenFaultsFound {
  faults: LocatedFault[];
  skipped: RestoreSummary['skipped'];
  damaged: DamagedLine[];
}

/**
 * Open faults of the given runs (runs owned by a live process reported apart), newest intent first. A damaged or
 * unreadable ledger never stops the others: its bad lines are reported and the rest of it is read.
 */
export function collectOpenFaults(views: RunView[]): OpenFaultsFound {
  const found: OpenFaultsFound = { faults: [], skipped: [], damaged: [] };
  for (const view of views) {
    found.damaged.push(...view.read.damaged);
    const open = openFaults(view.read.entries);
    if (open.length === 0) continue;
    if (view.owner !== undefined) {
      found.skipped.push({ runDir: view.where, ...view.owner });
      continue;
    }
    found.faults.push(...open.map((f) => ({ ...f, runDir: view.where })));
  }
  // Newest first: stacked faults on one resource (a canary's steps) unwind in reverse.
  found.faults.sort((a, b) => Date.parse(b.intent.at) - Date.parse(a.intent.at));
  return found;
}

/** The runs a restore looks at: the given run folders (default every one), and with `all` the runs kept only in S3. */
export async function runsToRestore(options: Pick<RestoreOptions, 'config' | 'clients' | 'root' | 'runDirs'>): Promise<RunView[]> {
  const root = options.root ?? process.cwd();
  const place = s3LedgerPlace(options.config.chaos.ledger, () => options.clients.s3, options.clients.retry);
  const runDirs = options.runDirs ?? listRunFolders(root).map((r) => r.path);
  return readRuns(runDirs, place, options.runDirs === undefined);
}

/**
 * Undoes every open fault of the selected runs by reading the current state and putting back the prior values from
 * the ledger, then records `undone`. Idempotent: running it twice, or with nothing open, changes nothing. A fault
 * whose undo fails stays open (a `failed` entry) and the others are still undone.
 */
export async function restore(options: RestoreOptions): Promise<RestoreSummary> {
  const log = options.log ?? (() => {});
  const root = options.root ?? process.cwd();
  const now = options.now ?? Date.now;
  const views = await runsToRestore(options);
  const byWhere = new Map(views.map((v) => [v.where, v]));
  const { faults: all, skipped, damaged } = collectOpenFaults(views);
  const faults = options.overdueOnly ? (overdueFaults(all, now()) as LocatedFault[]) : all;
  for (const d of damaged) log(`restore: ${describeDamage(d)}`);
  for (const s of skipped)
    log(
      `restore: ${s.runDir} is owned by running process ${s.pid} on ${s.host}; it restores its own faults (stop it, or kill it and run crosswind restore)`,
    );
  const summary: RestoreSummary = { undone: [], failed: [], skipped, damaged, unrecorded: [] };
  // An undo is a write: never with credentials for an account the config does not allow.
  if (faults.length > 0 && options.account === undefined) await allowedAccount(options.config, options.clients);
  const ctx: FaultContext = {
    config: options.config,
    clients: options.clients,
    checkpoint: options.checkpoint ?? noCheckpoints,
    log,
    now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
  };
  const place = s3LedgerPlace(options.config.chaos.ledger, () => options.clients.s3, options.clients.retry);
  const records = runRecorder(place, (view, error) => {
    summary.unrecorded.push({ runDir: view.where, error });
    log(`restore: cannot write the ledger of ${view.where} (${error}); undoing its faults anyway, but it will still list them as open`);
  });
  const lease = guardrailLease(options.config.chaos, root, () => options.clients.s3, options.clients.retry);
  try {
    for (const f of faults) {
      const what = { runDir: f.runDir, id: f.intent.id, kind: f.intent.fault.kind, region: f.intent.fault.region };
      const at = () => new Date(now()).toISOString();
      ctx.checkpoint('restore-undoing');
      try {
        const result = await driverFor(f.intent.fault.kind).undo(f, ctx);
        ctx.checkpoint('restore-undone');
        await records.append(byWhere.get(f.runDir) as RunView, {
          kind: 'undone',
          id: f.intent.id,
          at: at(),
          reason: `${options.reason ?? 'restore'}: ${result}`,
        });
        await lease
          .forget(f.intent.id)
          .catch((err: unknown) => log(`restore: could not drop claim ${f.intent.id} from ${lease.where}: ${(err as Error).message}`));
        summary.undone.push({ ...what, result });
        log(`restore: ${what.kind} ${what.region} (${what.id}): ${result}`);
      } catch (err) {
        const error = (err as Error).message;
        await records.append(byWhere.get(f.runDir) as RunView, { kind: 'failed', id: f.intent.id, at: at(), error, phase: 'undo' });
        summary.failed.push({ ...what, error });
        log(`restore: FAILED to undo ${what.kind} ${what.region} (${what.id}): ${error}`);
      }
    }
  } finally {
    records.close();
  }
  return summary;
}

/** Pure: one line about a damaged ledger line, naming where it is. */
export function describeDamage(d: DamagedLine): string {
  return d.line === 0 ? `${d.file}: ${d.reason}` : `${d.file}:${d.line}: damaged ledger line skipped (${d.reason})`;
}

/** Pure: what a restore would do, one line per open fault (newest first), for `crosswind restore --dry-run`. */
export function describeOpenFaults(found: OpenFaultsFound): string[] {
  const { faults, skipped, damaged } = found;
  if (faults.length === 0 && skipped.length === 0 && damaged.length === 0) return ['restore --dry-run: nothing open'];
  const lines = faults.map((f) => {
    const { fault } = f.intent;
    const state = f.applied ? `applied ${f.applied.at}` : 'intent written, maybe applied';
    return `would undo ${fault.kind} ${fault.region} (${f.intent.id} in ${f.runDir}; ${state}; deadline ${f.intent.deadline}): put back ${JSON.stringify(f.intent.prior)}`;
  });
  for (const s of skipped) lines.push(`would leave ${s.runDir} to its running process ${s.pid} on ${s.host}`);
  for (const d of damaged) lines.push(describeDamage(d));
  return lines;
}

/** Pure: what a restore left open or unknown, one line each; empty when nothing is. */
export function openAfterRestore(summary: RestoreSummary): string[] {
  return [
    ...summary.failed.map((f) => `${f.kind} ${f.region} (${f.id} in ${f.runDir}) could not be undone: ${f.error}`),
    ...summary.skipped.map((s) => `${s.runDir} was left to its running process ${s.pid} on ${s.host}`),
    ...summary.damaged.map((d) => `${describeDamage(d)}: what it recorded is unknown`),
    ...summary.unrecorded.map((u) => `${u.runDir}: its faults were undone but its ledger could not record it (${u.error})`),
  ];
}

/**
 * Throws when a restore left anything open or unknown (an undo that failed, a run left to its owner, a damaged ledger
 * line, a ledger that could not be written), naming each, so the command exits 3; returns only when nothing is.
 */
export function assertRestored(summary: RestoreSummary): void {
  const open = openAfterRestore(summary);
  if (open.length > 0) {
    throw new InfrastructureError(
      `restore left ${open.length} thing(s) open or unknown; fix the cause and run crosswind restore again:\n${open.map((l) => `  ${l}`).join('\n')}`,
    );
  }
}

/** Resolves `--run`: a run folder name under the project, or a path to a run folder. */
export function resolveRunDir(run: string, root: string = process.cwd()): string {
  const byName = listRunFolders(root).find((r) => r.name === run);
  if (byName) return byName.path;
  const path = resolve(root, run);
  if (existsSync(path) && statSync(path).isDirectory()) return path;
  throw new ConfigError([{ path: '--run', message: `no run folder "${run}" (looked under ${resolve(root, RUNS_DIR)} and at ${path})` }]);
}
