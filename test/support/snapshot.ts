import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { expect } from 'chai';
import { REPO } from './repo.ts';

/** Set to 1 to write the snapshots the tests produce instead of comparing with them. */
export const UPDATE_SNAPSHOTS = 'CROSSWIND_UPDATE_SNAPSHOTS';

/**
 * Compares a renderer's output with its stored snapshot (a file in the repo, reviewed like code). A difference fails
 * with mocha's line diff of expected (the file) against actual; a missing snapshot fails too, so a test never passes
 * having compared nothing. With `CROSSWIND_UPDATE_SNAPSHOTS=1` the output is written instead, to be reviewed in
 * `git diff` and committed with the change that made it.
 */
export function expectSnapshot(actual: string, file: string): void {
  const name = relative(REPO, file);
  const how = `if the change is intended: ${UPDATE_SNAPSHOTS}=1 npx mocha <this test file>, then review git diff ${name}`;
  if (process.env[UPDATE_SNAPSHOTS] === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `no snapshot ${name} (${how})`).to.equal(true);
  expect(actual, `output differs from the snapshot ${name} (${how})`).to.equal(readFileSync(file, 'utf8'));
}
