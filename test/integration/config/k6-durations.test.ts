import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseDuration } from '../../../config/duration.ts';
import { toolchain } from '../../../scripts/toolchain.mjs';
import { runCommand } from '../../support/run-command.ts';

// The config's duration parser against k6 itself: `k6 inspect` resolves a script's `duration` option with k6's own
// parser and prints it back in Go's notation, which the parser reads again. Both must agree on every input: the same
// milliseconds, or both refuse.
const INPUTS = [
  '1h30m',
  '1m30s',
  '500ms',
  '2d12h',
  '1d',
  '1.5s',
  '.5s',
  '5.s',
  '1500us',
  '250',
  '1e3',
  '+5s',
  '-5s',
  '-1d',
  '0',
  '1h 30m',
  'PT5M',
  '1.5d',
  '1d-2h',
  '5sec',
  's',
  '30',
];

describe('durations: crosswind reads them exactly as k6 does (k6 inspect)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-durations-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function k6Reads(text: string): Promise<number | undefined> {
    const script = join(dir, 'options.js');
    await writeFile(script, `export const options = { vus: 1, duration: ${JSON.stringify(text)} };\nexport default function () {}\n`);
    const { code, output } = await runCommand(toolchain().k6, ['inspect', script]);
    if (code !== 0) return undefined;
    const printed = /"duration": "([^"]*)"/.exec(output)?.[1];
    expect(printed, `k6 inspect printed no duration for ${text}: ${output}`).to.be.a('string');
    return parseDuration(printed as string);
  }

  it('agrees with k6 on every input', async () => {
    let accepted = 0;
    let refused = 0;
    for (const text of INPUTS) {
      const k6 = await k6Reads(text);
      expect(parseDuration(text), `${text}: k6 reads ${k6}`).to.equal(k6);
      if (k6 === undefined) refused++;
      else accepted++;
    }
    expect(accepted, 'inputs k6 accepts').to.be.at.least(10);
    expect(refused, 'inputs k6 refuses').to.be.at.least(5);
  });
});
