import type { Command } from 'commander';
import { checkpointsFromEnv } from '../../chaos/checkpoints.ts';
import { chaosClients } from '../../chaos/clients.ts';
import {
  assertRestored,
  collectOpenFaults,
  describeOpenFaults,
  openAfterRestore,
  resolveRunDir,
  restore,
  runsToRestore,
} from '../../chaos/restore.ts';
import { loadConfig } from '../../config/load.ts';
import { ConfigError } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';

/** `crosswind restore`: undo every fault a run left open (a crash, a kill -9, a fault applied by hand). */
export function register(command: Command, io: CliIo): void {
  command
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--run <dir>', 'only this run folder (a name under .crosswind/runs or a path)')
    .option('--all', 'every run folder (the default)')
    .option('--dry-run', 'list every open fault and the prior state it would put back; call no AWS API')
    .action(async (options: { config?: string; run?: string; all?: boolean; dryRun?: boolean }) => {
      if (options.run && options.all) throw new ConfigError([{ path: '--run', message: 'expected either --run or --all, not both' }]);
      const { config } = await loadConfig({ path: options.config });
      const runDirs = options.run ? [resolveRunDir(options.run)] : undefined;
      if (options.dryRun) {
        const found = collectOpenFaults(
          await runsToRestore({ config, clients: chaosClients(config.aws), ...(runDirs ? { runDirs } : {}) }),
        );
        for (const line of describeOpenFaults(found)) io.err(line);
        io.out(JSON.stringify({ open: found.faults.length, skipped: found.skipped.length, damaged: found.damaged.length }));
        return;
      }
      const summary = await restore({
        config,
        clients: chaosClients(config.aws),
        ...(runDirs ? { runDirs } : {}),
        log: (line) => io.err(line),
        checkpoint: checkpointsFromEnv(),
      });
      const open = openAfterRestore(summary);
      if (summary.undone.length === 0 && open.length === 0) io.err('restore: nothing open');
      io.out(
        JSON.stringify({
          undone: summary.undone.length,
          failed: summary.failed.length,
          skipped: summary.skipped.length,
          damaged: summary.damaged.length,
          unrecorded: summary.unrecorded.length,
        }),
      );
      // Exit 0 only when nothing is left open or unknown; otherwise 3, naming each.
      assertRestored(summary);
    });
}
