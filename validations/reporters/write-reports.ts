import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { redactSecrets } from '../../config/redact.ts';
import type { Judgement } from '../verdict.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { type DocumentExtras, renderJson, verdictDocument } from './verdict-document.ts';

export interface ReportPaths {
  json?: string;
  junit?: string;
  markdown?: string;
}

/** The run folder's report files: `verdict.json`, `junit.xml`, `summary.md`. */
export function runFolderReports(runDir: string): Required<ReportPaths> {
  return { json: join(runDir, 'verdict.json'), junit: join(runDir, 'junit.xml'), markdown: join(runDir, 'summary.md') };
}

async function write(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, redactSecrets(text));
}

/**
 * Writes the reports of a judgement (any of the three) and returns the Markdown summary and the files written.
 * Pipelines call this with `runFolderReports(runDir)` so every mode's run folder holds the same files.
 */
export async function writeGateReports(
  judgement: Judgement,
  paths: ReportPaths,
  options: DocumentExtras & { title?: string } = {},
): Promise<{ markdown: string; files: string[] }> {
  const doc = verdictDocument(judgement, options);
  const markdown = renderMarkdown(judgement, { title: options.title, failover: options.failover });
  const files: string[] = [];
  if (paths.json) {
    await write(paths.json, renderJson(doc));
    files.push(paths.json);
  }
  if (paths.junit) {
    await write(paths.junit, renderJunit(judgement, { timestamp: doc.generatedAt, ...(options.title ? { name: options.title } : {}) }));
    files.push(paths.junit);
  }
  if (paths.markdown) {
    await write(paths.markdown, markdown);
    files.push(paths.markdown);
  }
  return { markdown, files };
}
