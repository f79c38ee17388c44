import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { defaultConfirm } from '../../../chaos/confirm.ts';

function tty(answer: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  setImmediate(() => (stdin as unknown as PassThrough).write(answer));
  return { stdin, stderr };
}

describe('confirmation prompt', () => {
  it('is skipped with --yes, in CI, and without a terminal', () => {
    const { stdin, stderr } = tty('');
    expect(defaultConfirm({ yes: true, env: {}, stdin, stderr })).to.equal(undefined);
    expect(defaultConfirm({ env: { CI: 'true' }, stdin, stderr })).to.equal(undefined);
    const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
    expect(defaultConfirm({ env: {}, stdin: pipe, stderr })).to.equal(undefined);
  });

  it('asks on a terminal: only y or yes applies', async () => {
    for (const [answer, expected] of [
      ['y\n', true],
      ['yes\n', true],
      ['\n', false],
      ['n\n', false],
    ] as const) {
      const { stdin, stderr } = tty(answer);
      const confirm = defaultConfirm({ env: {}, stdin, stderr });
      expect(await confirm?.('invert-health-check us-east-1')).to.equal(expected);
    }
  });
});
