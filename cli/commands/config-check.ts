import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load.ts';
import { redact } from '../../config/redact.ts';
import type { CliIo } from '../../core/io.ts';

/** `crosswind config check`: load, validate and print the resolved config, secrets redacted. */
export function register(command: Command, io: CliIo): void {
  const config = command;
  config
    .command('check')
    .description('validate the config and print it resolved, with defaults filled and secrets redacted')
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .action(async (options: { config?: string }) => {
      const { config: resolved, file } = await loadConfig({ path: options.config });
      io.err(`${file}: valid`);
      io.out(stringify(redact(resolved)));
    });
}
