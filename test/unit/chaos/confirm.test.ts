import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { consentProblem, defaultConfirm } from '../../../chaos/confirm.ts';
import { ConfigError } from '../../../core/errors.ts';

function tty(answer: string) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  setImmediate(() => (stdin as unknown as PassThrough).write(answer));
  return { stdin, stderr };
}

describe('confirmation prompt', () => {
  it('is skipped with --yes', () => {
    const { stdin, stderr } = tty('');
    expect(defaultConfirm({ yes: true, stdin, stderr })).to.equal(undefined);
  });

  it('refuses without a terminal (cron, ssh host cmd, a pipe, CI): consent is --yes or a person', async () => {
    const pipe = new PassThrough() as unknown as NodeJS.ReadStream;
    const confirm = defaultConfirm({ stdin: pipe, stderr: new PassThrough() as unknown as NodeJS.WriteStream });
    expect(confirm, 'a confirmation that refuses').to.be.a('function');
    let error: unknown;
    await confirm?.('invert-health-check us-east-1').catch((err: unknown) => {
      error = err;
    });
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).problems[0]?.path).to.equal('--yes');
    expect(consentProblem({ stdin: pipe })?.message).to.match(/not a terminal.*pass --yes/);
    expect(consentProblem({ stdin: pipe, yes: true }), 'with --yes').to.equal(undefined);
    expect(consentProblem({ stdin: pipe, dryRun: true }), 'a dry run changes nothing').to.equal(undefined);
    expect(consentProblem({ stdin: { isTTY: true } }), 'a person at a terminal').to.equal(undefined);
  });

  it('asks on a terminal: only y or yes applies', async () => {
    for (const [answer, expected] of [
      ['y\n', true],
      ['yes\n', true],
      ['\n', false],
      ['n\n', false],
    ] as const) {
      const { stdin, stderr } = tty(answer);
      const confirm = defaultConfirm({ stdin, stderr });
      expect(await confirm?.('invert-health-check us-east-1')).to.equal(expected);
    }
  });
});
