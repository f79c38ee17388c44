import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError } from './config-error.ts';
import { MAX_CONFIG_BYTES, megabytes } from './find-config.ts';
import { redactSecrets } from './redact.ts';

/** A config module that has not finished loading by then is stopped: a loop or a wait that never ends. */
export const CONFIG_LOAD_TIMEOUT_MS = 10_000;

// The config module runs in a worker thread of its own, so that a loop that never ends (which would block this
// thread, and any timer on it) can be stopped, and whatever it throws stays its own. The worker hands back the
// default export as data (structured clone): a config is data. TypeScript goes through tsx's `tsImport`, loaded only
// then: it compiles just that file and what it imports, in a `"type": "module"` project, a CommonJS one or none.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  let mod;
  try {
    if (workerData.tsxApi) {
      const { tsImport } = await import(workerData.tsxApi);
      mod = await tsImport(workerData.url, workerData.url);
    } else {
      mod = await import(workerData.url);
    }
  } catch (err) {
    parentPort.postMessage({ kind: 'threw', message: String((err && err.message) || err) });
    return;
  }
  // Outside a "type": "module" project tsx compiles the file to CommonJS: its export default is then a property of
  // the module object that import hands back as the default.
  const value = mod.default && mod.default.__esModule === true ? mod.default.default : mod.default;
  try {
    // The same bound as a file's: a config that builds megabytes of data is refused before anything validates it.
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > workerData.maxBytes) {
      parentPort.postMessage({ kind: 'too-big', bytes });
      return;
    }
    parentPort.postMessage({ kind: 'loaded', value });
  } catch (err) {
    parentPort.postMessage({ kind: 'not-data', message: String((err && err.message) || err) });
  }
})();
`;

type Outcome =
  | { kind: 'loaded'; value: unknown }
  | { kind: 'threw'; message: string }
  | { kind: 'not-data'; message: string }
  | { kind: 'too-big'; bytes: number }
  | { kind: 'timeout' }
  | { kind: 'exited'; code: number };

/** tsx's ESM API as crosswind resolves it (the worker would resolve from the user's project). */
function tsxApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  return pathToFileURL(join(dirname(manifest), exports['./esm/api']?.import.default ?? '')).href;
}

function run(file: string, timeoutMs: number): Promise<Outcome> {
  const ts = /\.m?ts$/.test(file);
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { url: pathToFileURL(file).href, tsxApi: ts ? tsxApiUrl() : undefined, maxBytes: MAX_CONFIG_BYTES },
    // What the config prints goes to crosswind's stderr, never into its stdout (which may be a resolved config).
    stdout: true,
  });
  worker.stdout.on('data', (d: Buffer) => process.stderr.write(redactSecrets(d.toString())));
  let timer: NodeJS.Timeout | undefined;
  return new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    worker.once('message', (m: Outcome) => resolve(m));
    worker.once('error', (err) => resolve({ kind: 'threw', message: err.message }));
    // Exiting before answering: its top-level await never settled, or it called process.exit.
    worker.once('exit', (code) => resolve({ kind: 'exited', code }));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}

/**
 * Imports a config module's default export in a worker thread, within `timeoutMs`. Whatever goes wrong (it throws,
 * does not compile, never finishes, exports something that is not data) is a ConfigError naming the file.
 */
export async function importConfigModule(file: string, timeoutMs = CONFIG_LOAD_TIMEOUT_MS): Promise<unknown> {
  const problem = (message: string) => new ConfigError([{ path: '', message }], file);
  const outcome = await run(file, timeoutMs);
  switch (outcome.kind) {
    case 'loaded':
      if (outcome.value === undefined) throw problem(`${file} has no default export (export default defineConfig({...}))`);
      return outcome.value;
    case 'threw':
      throw problem(`${file} threw while loading: ${outcome.message.split('\n').slice(0, 3).join(' ')}`);
    case 'not-data':
      throw problem(`${file}: the default export must be plain data (no functions or class instances): ${outcome.message}`);
    case 'too-big':
      throw problem(`${file} exports ${megabytes(outcome.bytes)} of config data; a config may be at most 1 MB`);
    case 'timeout':
      throw problem(`${file} did not finish loading within ${timeoutMs / 1000} s (a loop or a wait that never ends?)`);
    case 'exited':
      throw problem(
        `${file} stopped before it finished loading (exit code ${outcome.code}: a top-level await that never settles, or process.exit)`,
      );
  }
}
