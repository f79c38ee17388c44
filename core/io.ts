import { redactSecrets } from '../config/redact.ts';

/** Where commands write; passed in so tests and pipelines can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** The terminal: everything written goes through the secret filter first. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(redactSecrets(text.endsWith('\n') ? text : `${text}\n`)),
  err: (text) => process.stderr.write(redactSecrets(text.endsWith('\n') ? text : `${text}\n`)),
};
