import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { crosswind } from '../support/cli.ts';

describe('crosswind config check (the CLI as a user runs it)', function () {
  this.timeout(30_000);

  it('accepts examples/minimal.config.yaml and prints it resolved', async () => {
    const r = await crosswind(['config', 'check', '--config', 'examples/minimal.config.yaml']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('project: shop').and.contain('header: x-served-by');
  });

  it('exits 2 with one message per problem, each naming its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(
      file,
      [
        'project: shop',
        'aws:',
        '  accountIds: ["123"]',
        'regions:',
        '  - name: us-east-1',
        '    endpoint: foo',
        '  - name: mars-1',
        '    endpoint: https://b.example.com',
        'globalEndpoint: https://api.example.com',
      ].join('\n'),
    );
    const r = await crosswind(['config', 'check', '--config', file]);
    expect(r.code).to.equal(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).to.deep.equal([
      'error: aws.accountIds[0]: expected a 12-digit AWS account id, got "123"',
      'error: regions[0].endpoint: expected an http(s) URL, got "foo"',
      'error: regions[1].name: expected an AWS region name like "us-east-1", got "mars-1"',
    ]);
    expect(r.stdout).to.equal('');
  });

  it('never prints credentials', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-cli-'));
    await writeFile(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'], credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'very-secret-value' } },
        regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:9' }],
        globalEndpoint: 'http://127.0.0.1:9',
      }),
    );
    const r = await crosswind(['config', 'check'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout + r.stderr).not.to.contain('very-secret-value');
    expect(r.stdout).to.contain('credentials: "[redacted]"');
  });

  it('shows help and version, and exits 2 on an unknown flag', async () => {
    const help = await crosswind(['--help']);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain('Usage: crosswind').and.contain('Exit codes');
    const version = await crosswind(['--version']);
    expect(version.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
    const bad = await crosswind(['--no-such-flag']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain("unknown option '--no-such-flag'");
  });
});
