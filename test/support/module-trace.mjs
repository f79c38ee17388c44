// `node --import ./module-trace.mjs ...`: appends the URL of every module the process loads to the file named by
// MODULE_TRACE, one a line, so a test can see what a command loaded. The command ships bundled (scripts/build.mjs):
// a file of crosswind's dist/ that holds compiled modules (esbuild heads each with `// dist/<path>`) is traced as
// the modules it holds, each by the URL it has in dist/, so a test names modules whichever file carries them.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const traced = new Set();
export async function load(url, context, next) {
  const loaded = await next(url, context);
  const dist = url.startsWith('file:') ? url.lastIndexOf('/dist/') : -1;
  const source = dist >= 0 && loaded.source !== undefined ? String(loaded.source) : '';
  const held = [...source.matchAll(/^\\/\\/ (dist\\/\\S+\\.js)$/gm)].map((m) => url.slice(0, dist + 1) + m[1]);
  // esbuild heads a module's hoisted imports and its body each with its path: one module, traced once.
  const fresh = (held.length ? held : [url]).filter((u) => !traced.has(u) && traced.add(u));
  if (fresh.length) appendFileSync(process.env.MODULE_TRACE, fresh.join('\\n') + '\\n');
  return loaded;
}`)}`,
);
