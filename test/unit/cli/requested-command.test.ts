import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { requestedCommand, startEarly } from '../../../cli/requested-command.ts';
import { PARALLEL_MIN_BYTES } from '../../../validations/read-points.ts';

describe('requested command', () => {
  let dir: string;
  let big: string;
  let small: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-requested-'));
    // A file read on two threads, and one read on one: sizes are all that decide (a sparse file takes no disk).
    big = join(dir, 'big.ndjson');
    await writeFile(big, '');
    await truncate(big, PARALLEL_MIN_BYTES);
    small = join(dir, 'small.ndjson');
    await writeFile(small, '{"metric":"m","type":"Point","data":{"time":"2026-11-30T00:00:00Z","value":1,"tags":{}}}\n');
    await mkdir(join(dir, 'run', 'k6'), { recursive: true });
    await writeFile(join(dir, 'run', 'k6', 'vantage.ndjson'), '');
    await truncate(join(dir, 'run', 'k6', 'vantage.ndjson'), PARALLEL_MIN_BYTES);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is the first operand, or what `help` names', () => {
    expect(requestedCommand(['gate', '--results', 'a.ndjson'])).to.equal('gate');
    expect(requestedCommand(['--version'])).to.equal(undefined);
    expect(requestedCommand(['help', 'rollout'])).to.equal('rollout');
  });

  it('starts the reading thread early only for a gate on a file read on two threads', async () => {
    expect(await startEarly(['gate', '--results', small]), 'a small file').to.equal(false);
    expect(await startEarly(['rollout', '--config', big]), 'another command').to.equal(false);
    expect(await startEarly(['gate', '--results', join(dir, 'missing.ndjson')]), 'no such file').to.equal(false);
    expect(await startEarly(['gate', '--results', small, big]), 'a large file among them').to.equal(true);
    expect(await startEarly(['gate', '--run', join(dir, 'run')]), "a run folder's large k6 output").to.equal(true);
  });
});
