import { constants, existsSync } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.ts';
import { importConfigModule, MAX_CONFIG_BYTES, megabytes } from './import-config.ts';
import { applyConfigLayer } from './layer.ts';
import { toProblems } from './problems.ts';
import { rememberSecrets, secretValues } from './redact.ts';
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

const READ_ERRORS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file',
  ELOOP: 'too many symbolic links',
  ENOTDIR: 'a part of the path is not a folder',
};

/** Checks that the file is a readable regular file of at most MAX_CONFIG_BYTES, before anything reads it. */
async function checkConfigFile(file: string): Promise<void> {
  const problem = (message: string) => new ConfigError([{ path: '', message }], file);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw problem(`cannot read ${file}: ${(code && READ_ERRORS[code]) ?? (err as Error).message}${code ? ` (${code})` : ''}`);
  }
  if (info.isDirectory()) throw problem(`${file} is a directory; expected a config file (${CONFIG_FILES.join(', ')})`);
  if (!info.isFile()) throw problem(`${file} is not a regular file`);
  if (info.size > MAX_CONFIG_BYTES) {
    throw problem(`${file} is ${megabytes(info.size)}; a config file may be at most 1 MB`);
  }
}

/** Reads a config file's raw data: TS/JS through import (its default export), YAML and JSON as text. */
export async function readConfigFile(file: string): Promise<unknown> {
  await checkConfigFile(file);
  const ext = extname(file);
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) return importConfigModule(file);
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
  // Known before anything can print them: a problem, a log line or a run file then masks them wherever they appear.
  rememberSecrets(secretValues(raw));
  try {
    return { config: resolveConfig(raw, file), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems, file);
    throw err;
  }
}
