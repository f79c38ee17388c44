import { fileURLToPath } from 'node:url';

/**
 * The `node` arguments that run the module `name` (no extension) beside the module at `from` (its import.meta.url)
 * in a child process: the TypeScript source through tsx when the sandbox runs from sources (tests, scripts), the
 * compiled JavaScript when it runs from the installed package.
 */
export function nodeEntryArgs(name: string, from: string): string[] {
  const fromSources = from.endsWith('.ts');
  const entry = fileURLToPath(new URL(`./${name}.${fromSources ? 'ts' : 'js'}`, from));
  return fromSources ? ['--import', 'tsx', entry] : [entry];
}
