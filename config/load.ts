import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError } from './config-error.ts';
import { CONFIG_FILES, findConfigFile, MAX_CONFIG_BYTES, megabytes } from './find-config.ts';
import { applyConfigLayer } from './layer.ts';
import { rememberSecrets, secretValues } from './redact.ts';
import { type CrosswindConfig, configSchemaWith, parseConfig } from './schema.ts';
import { sectionSchemasFor } from './sections.ts';

export { CONFIG_ENV, CONFIG_FILES, findConfigFile } from './find-config.ts';

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

/** YAML text to data, with line and column in its errors. */
async function yamlParser(): Promise<(text: string) => unknown> {
  const { parse } = await import('yaml');
  return (text) => parse(text, { prettyErrors: true });
}

/** Reads a config file's raw data: TS/JS through import (its default export), YAML and JSON as text. */
export async function readConfigFile(file: string): Promise<unknown> {
  await checkConfigFile(file);
  const ext = extname(file);
  // The module loader (a worker thread, tsx) is loaded only for a module.
  if (['.ts', '.mts', '.js', '.mjs'].includes(ext)) return (await import('./import-config.ts')).importConfigModule(file);
  const text = await readFile(file, 'utf8');
  // The YAML parser is loaded only for a YAML file.
  const parse = ext === '.json' ? (t: string) => JSON.parse(t) : await yamlParser();
  try {
    return parse(text);
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
  const schema = configSchemaWith(await sectionSchemasFor(raw));
  try {
    return { config: parseConfig(schema, raw, file), file };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems, file);
    throw err;
  }
}
