import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import { type Checkpoint, noCheckpoints } from './checkpoints.ts';
import type { ChaosClients } from './clients.ts';
import { driverFor } from './drivers.ts';
import type { FaultContext } from './fault.ts';
import { FaultLedger, type OpenFault, openFaults, overdueFaults, readLedger } from './ledger.ts';
import { listRunFolders, RUNS_DIR } from './run-folder.ts';
import { runOwner } from './run-lock.ts';

export interface RestoreOptions {
  config: CrosswindConfig;
  clients: ChaosClients;
  /** Project directory holding `.crosswind/runs`. */
  root?: string;
  /** Only these run folders; default every run. */
  runDirs?: string[];
  /** Only faults past their deadline (the dead man's switch). */
  overdueOnly?: boolean;
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
}

/** One open fault and the run it belongs to. */
export interface LocatedFault extends OpenFault {
  runDir: string;
}

/** Open faults of the given runs (runs owned by a live process reported apart), newest intent first. */
export function collectOpenFaults(runDirs: string[]): { faults: LocatedFault[]; skipped: RestoreSummary['skipped'] } {
  const faults: LocatedFault[] = [];
  const skipped: RestoreSummary['skipped'] = [];
  for (const runDir of runDirs) {
    const open = openFaults(readLedger(runDir));
    if (open.length === 0) continue;
    const owner = runOwner(runDir);
    if (owner !== undefined) {
      skipped.push({ runDir, ...owner });
      continue;
    }
    faults.push(...open.map((f) => ({ ...f, runDir })));
  }
  // Newest first: stacked faults on one resource (a canary's steps) unwind in reverse.
  faults.sort((a, b) => Date.parse(b.intent.at) - Date.parse(a.intent.at));
  return { faults, skipped };
}

/**
 * Undoes every open fault of the selected runs by reading the current state and putting back the prior values from
 * the ledger, then records `undone`. Idempotent: running it twice, or with nothing open, changes nothing. A fault
 * whose undo fails stays open (a `failed` entry) and the others are still undone.
 */
export async function restore(options: RestoreOptions): Promise<RestoreSummary> {
  const log = options.log ?? (() => {});
  const root = options.root ?? process.cwd();
  const runDirs = options.runDirs ?? listRunFolders(root).map((r) => r.path);
  const now = options.now ?? Date.now;
  const { faults: all, skipped } = collectOpenFaults(runDirs);
  const faults = options.overdueOnly ? (overdueFaults(all, now()) as LocatedFault[]) : all;
  for (const s of skipped)
    log(
      `restore: ${s.runDir} is owned by running process ${s.pid} on ${s.host}; it restores its own faults (stop it, or kill it and run crosswind restore)`,
    );
  const summary: RestoreSummary = { undone: [], failed: [], skipped };
  const ctx: FaultContext = {
    config: options.config,
    clients: options.clients,
    checkpoint: options.checkpoint ?? noCheckpoints,
    log,
    now,
    sleep: options.sleep ?? ((ms) => sleep(ms)),
  };
  const ledgers = new Map<string, FaultLedger>();
  const ledgerOf = (dir: string) => {
    let l = ledgers.get(dir);
    if (!l) {
      l = FaultLedger.open(dir);
      ledgers.set(dir, l);
    }
    return l;
  };
  try {
    for (const f of faults) {
      const what = { runDir: f.runDir, id: f.intent.id, kind: f.intent.fault.kind, region: f.intent.fault.region };
      ctx.checkpoint('restore-undoing');
      try {
        const result = await driverFor(f.intent.fault.kind).undo(f, ctx);
        ctx.checkpoint('restore-undone');
        ledgerOf(f.runDir).append({
          kind: 'undone',
          id: f.intent.id,
          at: new Date(now()).toISOString(),
          reason: `${options.reason ?? 'restore'}: ${result}`,
        });
        summary.undone.push({ ...what, result });
        log(`restore: ${what.kind} ${what.region} (${what.id}): ${result}`);
      } catch (err) {
        const error = (err as Error).message;
        ledgerOf(f.runDir).append({ kind: 'failed', id: f.intent.id, at: new Date(now()).toISOString(), error, phase: 'undo' });
        summary.failed.push({ ...what, error });
        log(`restore: FAILED to undo ${what.kind} ${what.region} (${what.id}): ${error}`);
      }
    }
  } finally {
    for (const l of ledgers.values()) l.close();
  }
  return summary;
}

/** Pure: what a restore would do, one line per open fault (newest first), for `crosswind restore --dry-run`. */
export function describeOpenFaults(faults: LocatedFault[], skipped: RestoreSummary['skipped']): string[] {
  if (faults.length === 0 && skipped.length === 0) return ['restore --dry-run: nothing open'];
  const lines = faults.map((f) => {
    const { fault } = f.intent;
    const state = f.applied ? `applied ${f.applied.at}` : 'intent written, maybe applied';
    return `would undo ${fault.kind} ${fault.region} (${f.intent.id} in ${f.runDir}; ${state}; deadline ${f.intent.deadline}): put back ${JSON.stringify(f.intent.prior)}`;
  });
  for (const s of skipped) lines.push(`would leave ${s.runDir} to its running process ${s.pid} on ${s.host}`);
  return lines;
}

/** Throws when a restore left faults open, naming them, so the command exits non-zero. */
export function assertRestored(summary: RestoreSummary): void {
  if (summary.failed.length > 0) {
    throw new InfrastructureError(
      `${summary.failed.length} fault(s) could not be undone and stay open in the ledger; fix the cause and run crosswind restore again:\n` +
        summary.failed.map((f) => `  ${f.kind} ${f.region} (${f.id} in ${f.runDir}): ${f.error}`).join('\n'),
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
