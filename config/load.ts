import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.ts';
import { applyConfigLayer } from './layer.ts';
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

/**
 * Imports a config module. TypeScript goes through tsx's `tsImport`, loaded only then: it compiles just that file
 * and what it imports (crosswind itself stays plain JavaScript), on every Node line crosswind supports (Node's own
 * type stripping is on by default only from 22.18, and refuses enums, parameter properties and extensionless
 * imports that users' editors accept).
 */
async function importConfigModule(file: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  if (!['.ts', '.mts'].includes(extname(file))) return (await import(url)) as { default?: unknown };
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(url, import.meta.url)) as { default?: { __esModule?: boolean; default?: unknown } };
  // Outside a `"type": "module"` project tsx compiles the file to CommonJS: its `export default` is then a property
  // of the module object that Node's import hands back as the default.
  return mod.default?.__esModule === true ? { default: mod.default.default } : mod;
}

/** Reads a config file's raw data: TS/JS through import (its default export), YAML and JSON as text. */
export async function readConfigFile(file: string): Promise<unknown> {
  const ext = extname(file);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) {
    const mod = await importConfigModule(file);
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
export async function loadConfig(
  options: { path?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ config: CrosswindConfig; file: string }> {
  const file = findConfigFile(options.path, options.cwd, options.env);
  // A config that names a running sandbox gets its dynamic endpoints filled in from the sandbox's layer.
  const raw = await applyConfigLayer(await readConfigFile(file), options.cwd ?? process.cwd());
  try {
    return { config: resolveConfig(raw, file), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems, file);
    throw err;
  }
}
