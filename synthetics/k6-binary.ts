// Which k6 runs the scenarios: the one the user names (`--k6`, CROSSWIND_K6) or the first on PATH, checked to be on
// the line crosswind's scenarios are written for. crosswind never builds or downloads k6 itself.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { InfrastructureError } from '../core/errors.ts';

/** Names the k6 executable when `--k6` is not given. */
export const K6_ENV = 'CROSSWIND_K6';

/** The k6 line the scenarios need: v2 runs TypeScript scripts directly (module go.k6.io/k6/v2). */
export const SUPPORTED_K6_MAJOR = 2;

const INSTALL = `install k6 v${SUPPORTED_K6_MAJOR} (https://grafana.com/docs/k6/latest/set-up/install-k6/: the k6 Debian or RPM package, the grafana/k6 image, Homebrew, or grafana/setup-k6-action on GitHub)`;
const NAME_IT = `put it on PATH, set ${K6_ENV}=/path/to/k6 or pass --k6 /path/to/k6`;

/** A k6 that answered `k6 version` on the supported line. */
export interface K6Binary {
  path: string;
  /** As k6 prints it, e.g. `v2.2.0`. */
  version: string;
  /** Where the path came from: `--k6`, CROSSWIND_K6 or PATH. */
  source: string;
}

export interface FindK6Options {
  /** The `--k6` flag. */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Runs `<path> version` and resolves its standard output; rejects when it cannot run. Replaceable in tests. */
  version?: (path: string) => Promise<string>;
}

/** `k6 version`'s first line (`k6 v2.2.0 (go1.25.1, linux/amd64)`) → `v2.2.0`; undefined when it names no version. */
export function parseK6Version(output: string): string | undefined {
  return /\bk6 (v\d+\.\d+\.\d+\S*)/.exec(output)?.[1];
}

function runVersion(path: string): Promise<string> {
  return new Promise((resolveOut, reject) => {
    execFile(path, ['version'], { timeout: 10_000, env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } }, (err, stdout) =>
      err ? reject(err) : resolveOut(stdout),
    );
  });
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** The first `k6` on PATH that can be executed. */
async function onPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'k6');
    if (await executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds k6 (`--k6`, else CROSSWIND_K6, else PATH) and checks its version. Throws an InfrastructureError (exit 3)
 * saying what to install when there is none, it cannot run, or it is not on the supported line.
 */
export async function findK6(options: FindK6Options = {}): Promise<K6Binary> {
  const env = options.env ?? process.env;
  const given = options.flag ? { path: options.flag, source: '--k6' } : env[K6_ENV] ? { path: env[K6_ENV], source: K6_ENV } : undefined;
  const path = given ? (isAbsolute(given.path) ? given.path : resolve(options.cwd ?? process.cwd(), given.path)) : await onPath(env);
  const source = given?.source ?? 'PATH';
  if (!path) throw new InfrastructureError(`k6 not found on PATH: ${INSTALL}, then ${NAME_IT}`);
  let output: string;
  try {
    output = await (options.version ?? runVersion)(path);
  } catch (err) {
    throw new InfrastructureError(`k6 from ${source} (${path}) cannot run 'k6 version': ${(err as Error).message}; ${INSTALL}`);
  }
  const version = parseK6Version(output);
  const major = version ? Number(/^v(\d+)/.exec(version)?.[1]) : undefined;
  if (!version || major !== SUPPORTED_K6_MAJOR) {
    const found = version ?? `no version in ${JSON.stringify(output.trim().split('\n')[0] ?? '')}`;
    const why = major !== undefined && major < SUPPORTED_K6_MAJOR ? 'too old' : 'not supported';
    throw new InfrastructureError(
      `k6 from ${source} (${path}) is ${found}, ${why}: crosswind needs k6 v${SUPPORTED_K6_MAJOR}.x, whose TypeScript support runs its scenarios; ${INSTALL}`,
    );
  }
  return { path, version, source };
}

let found: Promise<K6Binary> | undefined;

/** `findK6()` from this process's environment, once: a run starts k6 many times but checks it once. */
export function defaultK6(): Promise<K6Binary> {
  found ??= findK6();
  found.catch(() => {
    found = undefined;
  });
  return found;
}
