// Regenerates verdict.schema.json from the zod schema: `node --import tsx validations/reporters/write-schema.ts`.
// A unit test fails while the committed file differs from what this writes.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { verdictJsonSchema } from './verdict-schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('./verdict.schema.json', import.meta.url));

export function schemaText(): string {
  return `${JSON.stringify(verdictJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, schemaText());
  process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
}
