import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../core/errors.ts';
import { startSandbox } from '../../../sandbox/sandbox.ts';

describe('startSandbox: refusals before anything starts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-start-guard-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a state file another live sandbox owns, and leaves it alone', async () => {
    const file = join(dir, 'state.json');
    // The parent process stands in for another sandbox's supervisor: alive, and not this process.
    const text = JSON.stringify({ version: 1, supervisorPid: process.ppid });
    await writeFile(file, text);
    try {
      await startSandbox({ stateFile: file });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems[0]?.message).to.include(`pid ${process.ppid}`);
    }
    expect(await readFile(file, 'utf8')).to.equal(text);
  });

  it('reports every bad option at once', async () => {
    try {
      await startSandbox({
        stateFile: false,
        regions: ['us-east-1', 'mars-1', 'us-east-1'],
        vantages: ['narnia'],
        timing: { failureThreshold: 0, healthIntervalMs: 5 },
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const paths = (err as ConfigError).problems.map((p) => p.path);
      expect(paths).to.include.members(['regions[1]', 'regions', 'vantages', 'timing.failureThreshold', 'timing.healthIntervalMs']);
    }
  });
});
