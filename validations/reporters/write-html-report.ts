import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadChartAssets } from './chart-assets.ts';
import { renderHtmlReport } from './html.ts';
import { readReportData } from './read-run-folder.ts';
import type { ReportData } from './report-data.ts';

/**
 * Reads a run folder and writes its HTML report (default: `report.html` in the folder). The one call gameday,
 * rollout and gate runs make at their end, and what `crosswind report <run-folder>` does.
 */
export async function writeHtmlReport(folder: string, options: { out?: string } = {}): Promise<{ file: string; data: ReportData }> {
  const [data, assets] = await Promise.all([readReportData(folder), loadChartAssets()]);
  const file = options.out ?? join(folder, 'report.html');
  await writeFile(file, renderHtmlReport(data, assets));
  return { file, data };
}
