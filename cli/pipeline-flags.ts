import { readDuration } from '../config/duration.ts';
import { loadConfig } from '../config/load.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';

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
