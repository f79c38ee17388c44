import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { importConfigModule } from '../../../config/import-config.ts';
import { ConfigError } from '../../../core/errors.ts';

describe('importing a config module (in a worker, within a bound)', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-import-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function refusal(file: string, timeoutMs?: number): Promise<string> {
    const err = await importConfigModule(file, timeoutMs).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, file).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).source, 'the problem names the file').to.equal(file);
    return (err as ConfigError).problems.map((p) => p.message).join('\n');
  }

  it('hands back the default export as data', async () => {
    const file = join(dir, 'ok.mjs');
    await writeFile(file, 'export default { project: "shop", regions: [{ name: "us-east-1" }] };\n');
    expect(await importConfigModule(file)).to.deep.equal({ project: 'shop', regions: [{ name: 'us-east-1' }] });
  });

  it('stops a loop that never ends at the bound, although it blocks its thread', async () => {
    const file = join(dir, 'loop.mjs');
    await writeFile(file, 'for (;;) {}\n');
    expect(await refusal(file, 500)).to.equal(`${file} did not finish loading within 0.5 s (a loop or a wait that never ends?)`);
  });

  it('names what a module threw, a missing default export, and an export that is not data', async () => {
    const threw = join(dir, 'threw.mjs');
    await writeFile(threw, 'throw new TypeError("bad stage");\n');
    expect(await refusal(threw)).to.equal(`${threw} threw while loading: bad stage`);
    const none = join(dir, 'none.mjs');
    await writeFile(none, 'export const config = {};\n');
    expect(await refusal(none)).to.equal(`${none} has no default export (export default defineConfig({...}))`);
    const fn = join(dir, 'fn.mjs');
    await writeFile(fn, 'export default { project: "shop", hook: () => 1 };\n');
    expect(await refusal(fn)).to.match(/the default export must be plain data/);
  });

  it('refuses a module that builds more than 1 MB of config data, as it refuses such a file', async () => {
    const file = join(dir, 'huge.mjs');
    await writeFile(
      file,
      'export default { project: "shop", regions: Array.from({ length: 100000 }, (_, i) => ({ name: "r" + i, endpoint: "https://r.example.com" })) };\n',
    );
    expect(await refusal(file)).to.match(new RegExp(`^${file} exports \\d+\\.\\d MB of config data; a config may be at most 1 MB$`));
  });

  it('names a module that exits before answering', async () => {
    const file = join(dir, 'exits.mjs');
    await writeFile(file, 'process.exit(7);\n');
    expect(await refusal(file)).to.equal(
      `${file} stopped before it finished loading (exit code 7: a top-level await that never settles, or process.exit)`,
    );
  });
});
