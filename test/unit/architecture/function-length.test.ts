import { expect } from 'chai';
import type { LongFunction } from '../../../scripts/function-length.mjs';
import { REPO } from '../../support/repo.ts';
import { runCommand } from '../../support/run-command.ts';

describe('function length', function () {
  this.timeout(60_000);
  let found: LongFunction[];
  before(async () => {
    const r = await runCommand(process.execPath, ['scripts/function-length.mjs', '--json'], { cwd: REPO });
    found = JSON.parse(r.output.slice(r.output.indexOf('['))) as LongFunction[];
  });

  it('finds no function over 80 lines outside the tests', () => {
    expect(
      found.map((f) => `${f.file} ${f.name}: ${f.lines} lines`),
      'split each along the seams its comments name (flag checks, world, run, report)',
    ).to.deep.equal([]);
  });

  it('measures what it reports', async () => {
    // The checker must be able to fail: a planted 81-line function is reported, an 80-line one is not.
    const { longFunctions } = await import('../../../scripts/function-length.mjs');
    const body = (n: number) => `function f() {\n${'  x++;\n'.repeat(n - 2)}}\n`;
    expect(longFunctions('a.ts', body(81), 80).map((f) => [f.name, f.lines])).to.deep.equal([['f', 81]]);
    expect(longFunctions('a.ts', body(80), 80)).to.deep.equal([]);
  });
});
