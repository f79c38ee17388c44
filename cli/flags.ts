import { readDuration } from '../config/duration.ts';
import { loadConfig } from '../config/load.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import { findK6, K6_ENV } from '../synthetics/k6-binary.ts';

// The one flag parser of the CLI: every command turns flag text into values here, collecting a problem per bad
// flag (naming it) so that a user sees every problem at once, before any AWS call.

/** An integer flag in [min, max], or a problem naming the flag; undefined when the flag was not given. */
export function intFlag(
  problems: ConfigProblem[],
  flag: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    problems.push({ path: flag, message: `expected an integer ${range}, got ${JSON.stringify(value)}` });
    return undefined;
  }
  return n;
}

/** A number flag in [min, max], or a problem naming the flag; undefined when the flag was not given. */
export function numberFlag(
  problems: ConfigProblem[],
  flag: string,
  value: string | undefined,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `from ${min} to ${max}`;
    problems.push({ path: flag, message: `expected a number ${range}, got "${value}"` });
    return undefined;
  }
  return n;
}

/** A comma-separated list flag (`a, b,c` → `['a', 'b', 'c']`), empty items dropped. */
export function listFlag(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Loads the config; when it is invalid, its problems are reported together with the flag problems found before it,
 * so a user sees every problem in one go. When it loads, the caller adds its own checks and calls `refuse`; nothing
 * has touched AWS either way.
 */
export async function loadWithFlagProblems(
  path: string | undefined,
  flagProblems: ConfigProblem[],
): Promise<{ config: CrosswindConfig; file: string }> {
  try {
    return await loadConfig({ path });
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...flagProblems, ...err.problems], err.source);
    throw err;
  }
}

/** The `--k6` option of every command that runs k6: its flag and help. */
export const K6_OPTION = ['--k6 <path>', `the k6 executable, v2 (default: $${K6_ENV}, else k6 on PATH)`] as const;

/** The k6 to run: `--k6`, else CROSSWIND_K6, else PATH, version-checked; exit 3 saying what to install otherwise. */
export async function k6FromFlag(flag: string | undefined): Promise<string> {
  return (await findK6({ flag })).path;
}

/** Throws every problem at once, if there is any. */
export function refuse(problems: ConfigProblem[], source?: string): void {
  if (problems.length > 0) throw new ConfigError(problems, source);
}

/** A duration flag (`--hold 1m30s`) in the config's one grammar, or a problem naming the flag; undefined when not given. */
export function durationFlag(
  problems: ConfigProblem[],
  flag: string,
  value: string | undefined,
  options: { zero?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const read = readDuration(value, options);
  if ('ms' in read) return read.ms;
  problems.push({ path: flag, message: `${read.problem}, got ${JSON.stringify(value)}` });
  return undefined;
}
