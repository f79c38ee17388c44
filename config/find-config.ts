import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.ts';

// Where the config file is, and how large it may be, without reading it: a command that runs without one
// (`crosswind gate` with the default gates) asks here, and loads the schema only when there is a file (load.ts).

/** A config, as a file or as the data a module exports, may be at most this large: a page of settings, not data. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/** `2.1 MB` */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Looked for in this order when no `--config` is given. */
export const CONFIG_FILES = [
  'crosswind.config.ts',
  'crosswind.config.mts',
  'crosswind.config.js',
  'crosswind.config.mjs',
  'crosswind.config.yaml',
  'crosswind.config.yml',
  'crosswind.config.json',
];

/** Names the config file when `--config` is not given (the CI templates set it). */
export const CONFIG_ENV = 'CROSSWIND_CONFIG';

/** Finds the config file: the given path, else `CROSSWIND_CONFIG`, else the first of CONFIG_FILES in `cwd`. */
export function findConfigFile(path: string | undefined, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  const given = path ? { path, from: '--config' } : env[CONFIG_ENV] ? { path: env[CONFIG_ENV], from: CONFIG_ENV } : undefined;
  if (given) {
    const file = resolve(cwd, given.path);
    if (!existsSync(file)) throw new ConfigError([{ path: given.from, message: `no such file: ${file}` }]);
    return file;
  }
  for (const candidate of CONFIG_FILES) {
    const file = resolve(cwd, candidate);
    if (existsSync(file)) return file;
  }
  throw new ConfigError([{ path: '--config', message: `no ${CONFIG_FILES.join(', ')} in ${cwd}; pass --config <file>` }]);
}
