import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { applySandboxStateFile } from '../sandbox/sandbox-config.ts';
import { ConfigError } from './config-error.ts';
import { toProblems } from './problems.ts';
import { type CrosswindConfig, configSchema } from './schema.ts';

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

/** Validates raw config data and fills defaults; pure. Throws a ConfigError listing every problem at once. */
export function resolveConfig(raw: unknown, source = '<inline>'): CrosswindConfig {
  const result = configSchema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(toProblems(result.error.issues), source);
  return result.data;
}

/** Finds the config file: the given path, else the first of CONFIG_FILES in `cwd`. */
export function findConfigFile(path: string | undefined, cwd = process.cwd()): string {
  if (path) {
    const file = resolve(cwd, path);
    if (!existsSync(file)) throw new ConfigError([{ path: '--config', message: `no such file: ${file}` }]);
    return file;
  }
  for (const candidate of CONFIG_FILES) {
    const file = resolve(cwd, candidate);
    if (existsSync(file)) return file;
  }
  throw new ConfigError([{ path: '--config', message: `no ${CONFIG_FILES.join(', ')} in ${cwd}; pass --config <file>` }]);
}

/** Reads a config file's raw data: TS/JS through import (its default export), YAML and JSON as text. */
export async function readConfigFile(file: string): Promise<unknown> {
  const ext = extname(file);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (mod.default === undefined)
      throw new ConfigError([{ path: '', message: 'expected a default export (export default defineConfig({...}))' }], file);
    return mod.default;
  }
  const text = await readFile(file, 'utf8');
  try {
    return ext === '.json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError([{ path: '', message: `cannot parse ${file}: ${(err as Error).message.split('\n')[0]}` }], file);
  }
}

/** Finds, reads and validates the config. */
export async function loadConfig(options: { path?: string; cwd?: string } = {}): Promise<{ config: CrosswindConfig; file: string }> {
  const file = findConfigFile(options.path, options.cwd);
  // A config that names a running sandbox gets its dynamic endpoints filled in before validation.
  const raw = await applySandboxStateFile(await readConfigFile(file), options.cwd ?? process.cwd());
  try {
    return { config: resolveConfig(raw, file), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems, file);
    throw err;
  }
}
