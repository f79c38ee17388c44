import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** The charting library's browser build and stylesheet, inlined into each report so it opens offline. */
export interface ChartAssets {
  /** uPlot's IIFE build: defines the global `uPlot`. */
  script: string;
  css: string;
  /** The library's version, credited in the report's footer. */
  version: string;
}

const require = createRequire(import.meta.url);

/**
 * Reads uPlot's dist files from node_modules.
 * @see https://github.com/leeoniya/uPlot
 */
export async function loadChartAssets(): Promise<ChartAssets> {
  const [script, css, pkg] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFile(require.resolve('uplot/package.json'), 'utf8'),
  ]);
  return { script, css, version: (JSON.parse(pkg) as { version: string }).version };
}
