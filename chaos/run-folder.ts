import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where every run's folder lives, under the project directory (git-ignored with `.crosswind/`). */
export const RUNS_DIR = join('.crosswind', 'runs');

/** A run folder: `.crosswind/runs/<YYYYMMDD-HHMMSS>-<mode>[-n]/`. */
export interface RunFolder {
  name: string;
  path: string;
  mode: string;
}

const NAME = /^(\d{8})-(\d{6})-([a-z][a-z0-9-]*?)(?:-(\d+))?$/;

/** Pure: the folder name of a run started at `now` in `mode` (UTC, so names sort by start time everywhere). */
export function runFolderName(mode: string, now: Date): string {
  const iso = now.toISOString(); // 2026-11-23T04:49:05.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${mode}`;
}

/** Pure: the parts of a run folder name, or undefined for anything else in the runs directory. */
export function parseRunFolderName(name: string): { mode: string; startedAt: Date } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [d, t] = [m[1] as string, m[2] as string];
  const startedAt = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}Z`);
  return Number.isNaN(startedAt.getTime()) ? undefined : { mode: m[3] as string, startedAt };
}

/**
 * Creates a new run folder. Two runs started in the same second get `-2`, `-3`... so a run never writes into
 * another run's ledger.
 */
export function createRunFolder(options: { root?: string; mode: string; now?: Date }): RunFolder {
  const runs = resolve(options.root ?? process.cwd(), RUNS_DIR);
  mkdirSync(runs, { recursive: true });
  const base = runFolderName(options.mode, options.now ?? new Date());
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    const path = join(runs, name);
    try {
      // Non-recursive mkdir fails if the folder exists: the claim on the name is atomic.
      mkdirSync(path);
      return { name, path, mode: options.mode };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** Every run folder under the project, oldest first. */
export function listRunFolders(root: string = process.cwd()): RunFolder[] {
  const runs = resolve(root, RUNS_DIR);
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .flatMap((name) => {
      const parsed = parseRunFolderName(name);
      const path = join(runs, name);
      if (!parsed || !statSync(path).isDirectory()) return [];
      return [{ name, path, mode: parsed.mode }];
    })
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}
