import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfrastructureError } from '../../core/errors.ts';

/** Where the build puts the compiled script: beside this module's own JavaScript in dist/. */
const COMPILED = new URL('./browser/charts.js', import.meta.url);
/** The script's source, beside this module in a source checkout. */
const SOURCE = new URL('./browser/charts.ts', import.meta.url);

let loaded: Promise<string> | undefined;

/**
 * The report's browser script (`browser/charts.ts`) as the JavaScript the page runs. The package ships it compiled
 * (`npm run build` writes `dist/validations/reporters/browser/charts.js` with `compileBrowserScript`), so an installed
 * crosswind never compiles anything. Run from its sources (the tests, the sandbox, `node --import tsx`), there is no
 * compiled file, and the script is compiled the same way on first use: the TypeScript compiler, a dev dependency,
 * is always there in a source checkout. Read once a process.
 */
export function loadBrowserScript(): Promise<string> {
  loaded ??= readFile(COMPILED, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    return compileBrowserScript(fileURLToPath(SOURCE));
  });
  return loaded;
}

/**
 * Compiles the browser script with the options of its folder's tsconfig.json: types stripped, nothing else changed
 * (the file imports types only; the page gets one module, no loader, no helpers). Types are checked by
 * `npm run typecheck` and the build, which see the whole program; this sees one file.
 */
export async function compileBrowserScript(sourceFile: string): Promise<string> {
  const ts = await import('typescript').then(
    (m) => m.default,
    (err: Error) => {
      throw new InfrastructureError(`compiling ${sourceFile} needs the TypeScript compiler (a dev dependency): ${err.message}`);
    },
  );
  const dir = dirname(sourceFile);
  const { config } = ts.readConfigFile(join(dir, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dir);
  const out = ts.transpileModule(await readFile(sourceFile, 'utf8'), {
    compilerOptions: options,
    fileName: sourceFile,
    reportDiagnostics: true,
  });
  const problems = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length) throw new InfrastructureError(`${sourceFile} does not compile: ${problems.join('; ')}`);
  return out.outputText;
}
