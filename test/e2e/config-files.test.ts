import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { crosswind, REPO } from '../support/cli.ts';

// A config file that cannot be used fails clearly: exit 2, the file named, and the reason, whatever kind of file it
// is and however it goes wrong; never exit 3, never a hang.
const CONFIG = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [{ name: 'us-east-1', endpoint: 'https://use1.example.com' }],
  globalEndpoint: 'https://api.example.com',
};
const DEFINE_CONFIG = JSON.stringify(join(REPO, 'config', 'define-config.ts'));
const NOBODY = { uid: 65534, gid: 65534 };

describe('config files fail clearly (the CLI as a user runs it)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-config-files-'));
    // Others (the unprivileged user below) may enter the folder.
    await chmod(dir, 0o755);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

  it('a directory given as --config: exit 2 naming it', async () => {
    await mkdir(join(dir, 'configs'));
    const r = await crosswind(['config', 'check', '--config', 'configs'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)[0]).to.match(new RegExp(`^error: ${join(dir, 'configs')} is a directory; expected a config file`));
  });

  it('a file the user cannot read: exit 2 naming it', async () => {
    const file = join(dir, 'secret.yaml');
    await writeFile(file, 'project: shop\n');
    await chmod(file, 0o600);
    const r = await crosswind(['config', 'check', '--config', file], { cwd: dir, user: NOBODY });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([`error: cannot read ${file}: permission denied (EACCES)`]);
  });

  it('a TypeScript config that throws: exit 2 with its file and error', async () => {
    const file = join(dir, 'throws.config.ts');
    await writeFile(file, `const region: string = 'us-east-1';\nthrow new Error('no credentials for ' + region);\nexport default {};\n`);
    const r = await crosswind(['config', 'check', '--config', file], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([`error: ${file} threw while loading: no credentials for us-east-1`]);
  });

  it('a TypeScript config that never finishes loading: stopped after 10 s, exit 2 naming it', async () => {
    const file = join(dir, 'loops.config.ts');
    await writeFile(file, `let n: number = 0;\nwhile (n >= 0) n++;\nexport default {};\n`);
    const started = Date.now();
    const r = await crosswind(['config', 'check', '--config', file], { cwd: dir, timeoutMs: 50_000 });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([`error: ${file} did not finish loading within 10 s (a loop or a wait that never ends?)`]);
    expect(Date.now() - started, 'it waited the whole bound first').to.be.at.least(10_000);
  });

  it('a TypeScript config loads in a "type": "module" project, a CommonJS one, and outside any package', async () => {
    for (const [name, manifest] of [
      ['esm', { name: 'app', type: 'module' }],
      ['cjs', { name: 'app', type: 'commonjs' }],
      ['bare', undefined],
    ] as const) {
      const project = join(dir, name);
      await mkdir(project);
      if (manifest) await writeFile(join(project, 'package.json'), JSON.stringify(manifest));
      await writeFile(
        join(project, 'crosswind.config.ts'),
        `import { defineConfig } from ${DEFINE_CONFIG};\ninterface Stage { name: string }\nconst stage: Stage = { name: 'prod' };\nexport default defineConfig({ ...${JSON.stringify(CONFIG)}, project: 'shop-' + stage.name });\n`,
      );
      const r = await crosswind(['config', 'check'], { cwd: project });
      expect(r.code, `${name}: ${r.stderr}`).to.equal(0);
      expect(r.stdout, name).to.contain('project: shop-prod');
    }
  });

  it('a TypeScript config whose top-level await never settles: exit 2 naming it', async () => {
    const project = join(dir, 'waits');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(project, 'crosswind.config.ts'), `await new Promise<void>(() => {});\nexport default {};\n`);
    const r = await crosswind(['config', 'check'], { cwd: project, timeoutMs: 50_000 });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)[0]).to.contain(join(project, 'crosswind.config.ts'));
  });

  it('a file over 1 MB is refused unread', async () => {
    const file = join(dir, 'huge.yaml');
    const regions = Array.from({ length: 40_000 }, (_, i) => `  - { name: us-east-${i}, endpoint: "https://r${i}.example.com" }`);
    await writeFile(file, `project: shop\naws: { accountIds: ["123456789012"] }\nregions:\n${regions.join('\n')}\n`);
    const r = await crosswind(['config', 'check', '--config', file], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([
      `error: ${file} is ${((await stat(file)).size / 1024 / 1024).toFixed(1)} MB; a config file may be at most 1 MB`,
    ]);
  });

  it('prints at most 50 problems, then how many more', async () => {
    const file = join(dir, 'many.json');
    const regions = Array.from({ length: 120 }, (_, i) => ({ name: `bad_${i}`, endpoint: 'https://r.example.com' }));
    await writeFile(file, JSON.stringify({ ...CONFIG, regions }));
    const r = await crosswind(['config', 'check', '--config', file], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    const printed = errors(r.stderr);
    expect(printed).to.have.length(51);
    expect(printed[0]).to.equal('error: regions[0].name: expected an AWS region name like "us-east-1", got "bad_0"');
    expect(printed[50]).to.equal('error: ... and 70 more problems (120 in all)');
  });
});
