import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { runHook, type SpawnFn } from '../../../chaos/hooks.ts';

describe('hook runner', function () {
  this.timeout(15_000);

  it('runs the command in sh with REGION, VERSION and PREVIOUS_VERSION in its environment', async () => {
    const lines: string[] = [];
    const r = await runHook(
      'echo "$REGION $VERSION $PREVIOUS_VERSION"; echo to-stderr >&2',
      { REGION: 'eu-west-1', VERSION: 'v2', PREVIOUS_VERSION: 'v1' },
      {
        log: (l) => lines.push(l),
      },
    );
    expect(r.kind).to.equal('ok');
    expect(r.output).to.have.members(['eu-west-1 v2 v1', 'to-stderr']);
    expect(lines).to.have.members(['eu-west-1 v2 v1', 'to-stderr']);
  });

  it('reports a non-zero exit as failed, with the code', async () => {
    const r = await runHook('echo deploying; exit 7', { REGION: 'r', VERSION: 'v', PREVIOUS_VERSION: '' });
    expect(r).to.include({ kind: 'failed', reason: 'hook exited with 7' });
    expect(r.output).to.deep.equal(['deploying']);
  });

  it('stops a hook that outlives its timeout', async () => {
    const started = Date.now();
    const r = await runHook('sleep 30', { REGION: 'r', VERSION: 'v', PREVIOUS_VERSION: '' }, { timeoutMs: 300 });
    expect(r).to.include({ kind: 'failed', reason: 'hook did not finish within 300 ms' });
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('passes the command through the injected spawn', async () => {
    const seen: { command: string; args: readonly string[]; env: NodeJS.ProcessEnv | undefined }[] = [];
    const spawn: SpawnFn = (command, args, options) => {
      seen.push({ command, args, env: options.env });
      const child = Object.assign(new EventEmitter(), { stdout: new PassThrough(), stderr: new PassThrough(), kill: () => true });
      setImmediate(() => {
        child.stdout.end('done\n');
        child.stderr.end();
        child.emit('close', 0, null);
      });
      return child as never;
    };
    const r = await runHook(
      'deploy.sh',
      { REGION: 'us-west-2', VERSION: '2.0', PREVIOUS_VERSION: '1.9' },
      { spawn, baseEnv: { PATH: '/bin' } },
    );
    expect(r.kind).to.equal('ok');
    expect(seen[0]?.command).to.equal('sh');
    expect(seen[0]?.args).to.deep.equal(['-c', 'deploy.sh']);
    expect(seen[0]?.env).to.deep.equal({ PATH: '/bin', REGION: 'us-west-2', VERSION: '2.0', PREVIOUS_VERSION: '1.9' });
  });
});
