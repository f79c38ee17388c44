import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadBrowserScript } from './browser-script.ts';

/** The charting library's browser build and stylesheet, and the report's own script, inlined so it opens offline. */
export interface ChartAssets {
  /** uPlot's IIFE build: defines the global `uPlot`. */
  script: string;
  css: string;
  /** The library's version, credited in the report's footer. */
  version: string;
  /** The report's script (browser/charts.ts compiled): draws the charts with `uPlot`. A module: `export {}` ends it. */
  charts: string;
}

const require = createRequire(import.meta.url);

/**
 * Reads uPlot's dist files from node_modules, and the report's script.
 * @see https://github.com/leeoniya/uPlot
 */
export async function loadChartAssets(): Promise<ChartAssets> {
  const [script, css, pkg, charts] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFile(require.resolve('uplot/package.json'), 'utf8'),
    loadBrowserScript(),
  ]);
  return { script, css, version: (JSON.parse(pkg) as { version: string }).version, charts };
}
