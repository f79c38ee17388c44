#!/usr/bin/env node
// `npm run build` (and `npm pack`, through prepack): the package as it ships. The Node side is compiled to dist/
// (JavaScript and declarations, `.ts` imports rewritten to `.js`); the k6 side ships as the TypeScript sources k6
// runs, with declarations for `crosswind/k6` beside the rest in dist/; the HTML report's browser script is
// type-checked with its own tsconfig (the DOM, no Node) and compiled into dist/ beside the reporter that inlines it.
// dist/ is made anew so nothing stale ships.
import { createRequire } from 'node:module';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $, cd, fs } from 'zx';

cd(fileURLToPath(new URL('..', import.meta.url)));
$.verbose = false;
const started = Date.now();
await fs.rm('dist', { recursive: true, force: true });
const tsc = [process.execPath, createRequire(import.meta.url).resolve('typescript/bin/tsc')];
await Promise.all([
  $`${tsc} -p tsconfig.build.json`,
  $`${tsc} -p synthetics/tsconfig.build.json`,
  $`${tsc} -p validations/reporters/browser/tsconfig.json`,
]);
// zod is some 150 modules (its locales among them) that Node's loader would find and read one by one in every
// command that loads a config, a tenth of a second of its start-up: it ships bundled into config/zod.js, the one
// module through which crosswind uses it (its declarations still name the zod package, a dependency for its types).
// Only its English messages, which crosswind's are; without comments or spaces, the source V8 keeps for the life of
// the process is a quarter as large, and all ASCII (one character beyond Latin-1 doubles the size of all of it).
const { build } = await import('esbuild');
await build({
  entryPoints: ['config/zod.ts'],
  outfile: 'dist/config/zod.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  banner: { js: '// config/zod.ts with zod (MIT License, https://github.com/colinhacks/zod) bundled in.' },
  plugins: [
    {
      name: 'zod-english-only',
      setup(esbuild) {
        esbuild.onLoad({ filter: /zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
          contents: "export { default as en } from './en.js';",
          resolveDir: dirname(args.path),
        }));
      },
    },
  ],
  logLevel: 'warning',
});
// Compiled by the same function that compiles it on first use when crosswind runs from its sources.
const { compileBrowserScript } = await import('../dist/validations/reporters/browser-script.js');
await fs.outputFile('dist/validations/reporters/browser/charts.js', await compileBrowserScript('validations/reporters/browser/charts.ts'));
// The command (and the reading worker it starts) ships bundled from the compiled modules: Node's loader finds, reads
// and links some seventy of crosswind's own modules one by one for a gate, a sixth of its start-up. Split at each
// dynamic import, so a command still loads only what it uses (`--help` no command, a gate without a config no
// schema); the chunks sit one folder below dist/ like the two entries, and each module's `import.meta.url` is
// rewritten to name the module it was compiled to, whose neighbours (the worker, the region app, the report's script,
// package.json above) are found from it as before. The compiled modules stay beside it, for the package's exports and
// the processes started by path.
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
await build({
  entryPoints: { 'cli/bin': 'dist/cli/bin.js', 'validations/read-worker': 'dist/validations/read-worker.js' },
  outdir: 'dist',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  plugins: [
    {
      name: 'import-meta-url-of-each-module',
      setup(esbuild) {
        // Each module read once, here, whether or not it names its URL.
        esbuild.onLoad({ filter: /\.js$/ }, async (args) => {
          const compiledTo = `../${relative(distDir, args.path).split(sep).join('/')}`;
          const source = await fs.readFile(args.path, 'utf8');
          return {
            contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(compiledTo)}, import.meta.url).href`),
            loader: 'js',
          };
        });
      },
    },
  ],
  logLevel: 'warning',
});
// The bin runs by its shebang where npm does not link it (npx in this repository, the demo's hooks): executable.
await fs.chmod('dist/cli/bin.js', 0o755);
process.stderr.write(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
