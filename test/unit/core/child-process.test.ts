import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { findExecutable, runChild, spawnChild } from '../../../core/child-process.ts';
import { processesWithToken, processToken, survivorsAfter, TOKEN_VAR } from '../../support/processes.ts';

const PARENT = fileURLToPath(new URL('../../fixtures/core/spawn-parent.ts', import.meta.url));

describe('the spawn helper (core/child-process.ts)', function () {
  this.timeout(20_000);

  it('collects the output lines of both streams and the exit code', async () => {
    const lines: string[] = [];
    const o = await runChild('sh', ['-c', 'echo one; echo two >&2; echo four; printf three'], {
      onLine: (l, stream) => lines.push(`${stream} ${l}`),
    });
    expect(o).to.include({ code: 0, signal: null, timedOut: false, stopped: false });
    // Two pipes: the order within a stream holds, the order across them is the order the chunks arrived in.
    expect(lines.filter((l) => l.startsWith('stdout'))).to.deep.equal(['stdout one', 'stdout four', 'stdout three']);
    expect(lines.filter((l) => l.startsWith('stderr'))).to.deep.equal(['stderr two']);
    expect(o.output).to.have.members(['one', 'two', 'four', 'three']);
    expect((await runChild('sh', ['-c', 'exit 4'])).code).to.equal(4);
  });

  it('keeps only the last lines asked for', async () => {
    const o = await runChild('sh', ['-c', 'for i in 1 2 3 4 5; do echo $i; done'], { keepLines: 2 });
    expect(o.output).to.deep.equal(['4', '5']);
  });

  it('reports a command that does not exist as a start error, without throwing', async () => {
    const o = await runChild('no-such-command-crosswind', []);
    expect(o.code).to.equal(null);
    expect(o.startError?.message).to.match(/ENOENT/);
    expect(findExecutable('sh')).to.match(/\/sh$/);
    expect(findExecutable('no-such-command-crosswind')).to.equal(undefined);
  });

  it('times out the whole process group: the child and what it started', async () => {
    const token = processToken();
    const started = Date.now();
    const o = await runChild('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 300, env: { ...process.env, [TOKEN_VAR]: token } });
    expect(o.timedOut, 'timed out').to.equal(true);
    expect(Date.now() - started, 'ms until it ended').to.be.below(5_000);
    expect(await survivorsAfter(token, 1000), 'processes left').to.deep.equal([]);
  });

  it('stops the group with the stop signal, then SIGKILL for a child that ignores it', async () => {
    const token = processToken();
    const child = spawnChild('sh', ['-c', 'trap "" TERM; sleep 30 & wait; wait'], {
      killAfterMs: 300,
      env: { ...process.env, [TOKEN_VAR]: token },
    });
    await new Promise((r) => setTimeout(r, 200));
    child.stop();
    const o = await child.done;
    expect(o).to.include({ stopped: true, signal: 'SIGKILL' });
    expect(await survivorsAfter(token, 1000), 'processes left').to.deep.equal([]);
  });

  it('sweeps what a child left running in its group when it exits normally', async () => {
    const token = processToken();
    const o = await runChild('sh', ['-c', '(sleep 30 >/dev/null 2>&1 &); echo started'], { env: { ...process.env, [TOKEN_VAR]: token } });
    expect(o.code).to.equal(0);
    expect(await survivorsAfter(token, 1000), 'processes left').to.deep.equal([]);
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`kills the child and its child when the parent dies of ${signal}`, async () => {
      const token = processToken();
      const parent = spawn(process.execPath, ['--import', 'tsx', PARENT], {
        env: { ...process.env, [TOKEN_VAR]: token },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve) =>
        parent.stdout.on('data', (d) => {
          out += d;
          if (/grandchild \d+/.test(out) && /child \d+/.test(out)) resolve();
        }),
      );
      expect(processesWithToken(token).length, 'parent, child, grandchild and the watchdog alive').to.be.at.least(4);
      parent.kill(signal);
      await new Promise((r) => parent.once('exit', r));
      expect(await survivorsAfter(token, 1000), 'processes alive 1 s after the parent died').to.deep.equal([]);
    });
  }
});
