import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { k6OutputFiles } from '../../validations/read-points.ts';
import { writeHtmlReport } from '../../validations/reporters/write-html-report.ts';

/** `crosswind report <run-folder>`: the run's self-contained HTML report (timelines, gates, faults, health). */
export function register(command: Command, io: CliIo): void {
  command
    .argument('<run-folder>', 'a run folder holding k6/*.ndjson (and ledger.jsonl, health.jsonl, verdict.json, run.json when present)')
    .option('-o, --out <file>', 'where to write the report (default: report.html in the run folder)')
    .action(async (runFolder: string, options: { out?: string }) => {
      const folder = resolve(runFolder);
      if (!existsSync(folder) || !statSync(folder).isDirectory()) {
        throw new ConfigError([{ path: '<run-folder>', message: `expected a run folder, found no folder at ${folder}` }]);
      }
      if ((await k6OutputFiles(folder)).length === 0) {
        throw new ConfigError([{ path: '<run-folder>', message: `expected k6 output in ${resolve(folder, 'k6')} (*.ndjson), found none` }]);
      }
      const { file, data } = await writeHtmlReport(folder, { out: options.out ? resolve(options.out) : undefined });
      io.err(
        `report: ${data.vantages.length} vantage(s), ${data.faults.length} fault(s), ${data.gates.length} gate(s), verdict ${data.verdict.kind}`,
      );
      io.out(file);
    });
}
