import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { awsClientOptions } from '../../../config/aws.ts';
import { loadConfig } from '../../../config/load.ts';
import { ConfigError } from '../../../core/errors.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('config loading', () => {
  it('loads examples/minimal.config.yaml', async () => {
    const { config } = await loadConfig({ path: 'examples/minimal.config.yaml', cwd: repo });
    expect(config.project).to.equal('shop');
    expect(config.regions.map((r) => r.name)).to.deep.equal(['us-east-1', 'eu-west-1']);
  });

  it('reads the same config from TS (defineConfig), YAML and JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-config-'));
    const data = {
      project: 'p',
      aws: { accountIds: ['123456789012'] },
      regions: [{ name: 'us-west-2', endpoint: 'http://127.0.0.1:1' }],
      globalEndpoint: 'http://127.0.0.1:2',
    };
    const defineConfig = join(repo, 'config', 'define-config.ts');
    await writeFile(
      join(dir, 'crosswind.config.ts'),
      `import { defineConfig } from ${JSON.stringify(defineConfig)};\nexport default defineConfig(${JSON.stringify(data)});\n`,
    );
    await writeFile(join(dir, 'c.json'), JSON.stringify(data));
    await writeFile(
      join(dir, 'c.yaml'),
      'project: p\naws: {accountIds: ["123456789012"]}\nregions: [{name: us-west-2, endpoint: "http://127.0.0.1:1"}]\nglobalEndpoint: http://127.0.0.1:2\n',
    );
    const fromTs = (await loadConfig({ cwd: dir })).config;
    expect(fromTs).to.deep.equal((await loadConfig({ cwd: dir, path: 'c.json' })).config);
    expect(fromTs).to.deep.equal((await loadConfig({ cwd: dir, path: 'c.yaml' })).config);
  });

  it('says which file is missing or unreadable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-config-'));
    await writeFile(join(dir, 'broken.yaml'), 'project: [unclosed\n');
    for (const [path, pattern] of [
      [undefined, /no crosswind\.config\.ts/],
      ['nope.yaml', /no such file/],
      ['broken.yaml', /cannot parse/],
    ] as const) {
      try {
        await loadConfig({ cwd: dir, path });
        expect.fail('expected a ConfigError');
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as Error).message).to.match(pattern);
      }
    }
  });

  it('takes the file CROSSWIND_CONFIG names when --config is not given, and names the variable when it is missing', async () => {
    const env = { CROSSWIND_CONFIG: 'examples/minimal.config.yaml' };
    const { file } = await loadConfig({ cwd: repo, env });
    expect(file, 'the file CROSSWIND_CONFIG names').to.equal(join(repo, 'examples/minimal.config.yaml'));
    const flagWins = await loadConfig({ cwd: repo, env, path: 'examples/sandbox.config.yaml' }).catch((err: unknown) => err);
    expect(flagWins, '--config wins over CROSSWIND_CONFIG').to.be.instanceOf(ConfigError);
    expect((flagWins as ConfigError).problems[0]?.path, 'the sandbox example needs a state file').to.equal('sandbox.state');
    const missing = await loadConfig({ cwd: repo, env: { CROSSWIND_CONFIG: 'nope.yaml' } }).catch((err: unknown) => err);
    expect(missing).to.be.instanceOf(ConfigError);
    expect((missing as ConfigError).problems, 'the problem names the variable').to.deep.equal([
      { path: 'CROSSWIND_CONFIG', message: `no such file: ${join(repo, 'nope.yaml')}` },
    ]);
  });

  it('points SDK clients at overridden endpoints, with Route 53 in the control region', async () => {
    const { config } = await loadConfig({ path: 'examples/minimal.config.yaml', cwd: repo });
    const aws = { ...config.aws, endpoints: { route53: 'http://127.0.0.1:5000' } };
    expect(awsClientOptions(aws, 'route53', 'eu-west-1')).to.include({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5000' });
    expect(awsClientOptions(aws, 'fis', 'eu-west-1'))
      .to.include({ region: 'eu-west-1' })
      .and.not.have.property('endpoint');
  });
});
