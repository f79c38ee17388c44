import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { InfrastructureError } from '../../../core/errors.ts';
import { findK6, parseK6Version } from '../../../synthetics/k6-binary.ts';

/** What findK6 threw, for assertions on the message. */
async function failure(promise: Promise<unknown>): Promise<InfrastructureError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected findK6 to refuse').to.be.instanceOf(InfrastructureError);
  return err as InfrastructureError;
}

describe('finding k6 at run time', () => {
  let dir: string;
  let bin: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-k6-'));
    bin = join(dir, 'k6');
    await writeFile(bin, '#!/bin/sh\necho "k6 v2.2.0 (go1.25.1, linux/amd64)"\n');
    await chmod(bin, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the version k6 prints', () => {
    expect(parseK6Version('k6 v2.2.0 (go1.25.1, linux/amd64)\nExtensions:\n')).to.equal('v2.2.0');
    expect(parseK6Version('k6 v1.3.0-rc1 (commit/abc)')).to.equal('v1.3.0-rc1');
    expect(parseK6Version('command not found')).to.equal(undefined);
  });

  it('takes --k6 first, then CROSSWIND_K6, then PATH, and runs `k6 version` on what it took', async () => {
    const asked: string[] = [];
    const version = async (path: string) => {
      asked.push(path);
      return 'k6 v2.2.0 (go1.25.1, linux/amd64)';
    };
    const env = { CROSSWIND_K6: '/opt/k6/bin/k6', PATH: dir };
    expect(await findK6({ flag: '/usr/local/bin/k6', env, version })).to.deep.equal({
      path: '/usr/local/bin/k6',
      version: 'v2.2.0',
      source: '--k6',
    });
    expect(await findK6({ env, version })).to.deep.equal({ path: '/opt/k6/bin/k6', version: 'v2.2.0', source: 'CROSSWIND_K6' });
    expect(await findK6({ env: { PATH: `/nowhere:${dir}` }, version })).to.deep.equal({ path: bin, version: 'v2.2.0', source: 'PATH' });
    expect(await findK6({ env: {}, flag: 'tools/k6', cwd: '/work', version })).to.include({ path: '/work/tools/k6' });
    expect(asked).to.deep.equal(['/usr/local/bin/k6', '/opt/k6/bin/k6', bin, '/work/tools/k6']);
  });

  it('runs the real `k6 version` of the executable it found', async () => {
    expect(await findK6({ env: { PATH: dir } })).to.deep.equal({ path: bin, version: 'v2.2.0', source: 'PATH' });
  });

  it('says what to install when there is no k6 (exit 3)', async () => {
    const err = await failure(findK6({ env: { PATH: '/nowhere' } }));
    expect(err.exitCode).to.equal(3);
    expect(err.message).to.match(
      /^k6 not found on PATH: install k6 v2 \(.*grafana\/setup-k6-action.*\), then put it on PATH, set CROSSWIND_K6/,
    );
  });

  it('refuses a k6 that cannot run, naming where it came from', async () => {
    const err = await failure(findK6({ env: { CROSSWIND_K6: join(dir, 'missing') } }));
    expect(err.message).to.match(/^k6 from CROSSWIND_K6 \(.*missing\) cannot run 'k6 version'/);
    expect(err.message).to.contain('install k6 v2');
  });

  it('refuses k6 v1 as too old and v3 as not supported, saying which line crosswind needs', async () => {
    const v1 = await failure(findK6({ flag: '/usr/bin/k6', version: async () => 'k6 v1.4.2 (go1.24.6, linux/amd64)' }));
    expect(v1.message).to.match(/^k6 from --k6 \(\/usr\/bin\/k6\) is v1\.4\.2, too old: crosswind needs k6 v2\.x/);
    const v3 = await failure(findK6({ flag: '/usr/bin/k6', version: async () => 'k6 v3.0.0' }));
    expect(v3.message).to.match(/is v3\.0\.0, not supported: crosswind needs k6 v2\.x/);
    const odd = await failure(findK6({ flag: '/usr/bin/k6', version: async () => 'hello' }));
    expect(odd.message).to.contain('is no version in "hello"');
  });
});
