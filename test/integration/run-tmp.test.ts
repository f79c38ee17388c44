import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = ['test/fixtures/tmp/leaves-a-file.ts', 'test/fixtures/tmp/leaves-a-folder.ts'];

// The suite-wide rule (test/support/run-tmp.ts): a test run's temporary files go in a folder of its own, removed when
// the run ends, so even a test that leaves its files leaves nothing on the machine.
describe("a test run's temporary files", function () {
  this.timeout(120_000);
  let machine: string;
  beforeEach(async () => {
    machine = await mkdtemp(join(tmpdir(), 'crosswind-machine-tmp-'));
  });
  afterEach(() => rm(machine, { recursive: true, force: true }));

  it('are gone when the run ends before any test, a test file failing to load', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: machine };
    for (const inherited of ['CROSSWIND_MACHINE_TMP', 'CROSSWIND_RUN_TMP']) delete env[inherited];
    const r = await run(process.execPath, ['node_modules/.bin/mocha', 'test/fixtures/tmp/cannot-load.ts'], {
      cwd: ROOT,
      env,
      timeout: 100_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(r.code, 'mocha failed the run').to.not.equal(0);
    expect(r.stderr, 'for the missing module').to.contain('no-such-module');
    const left = (await readdir(machine)).filter((f) => f !== 'crosswind-netns-tags' && !f.startsWith('tsx-'));
    expect(left, `left in ${machine}`).to.deep.equal([]);
  });

  for (const parallel of [false, true]) {
    it(`are gone when the run ends, a test having left one (${parallel ? 'parallel workers' : 'one process'})`, async () => {
      // A run started as CI starts one: the machine's temporary folder is `machine`, no run folder is inherited.
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: machine };
      for (const inherited of ['CROSSWIND_MACHINE_TMP', 'CROSSWIND_RUN_TMP']) delete env[inherited];
      const args = ['node_modules/.bin/mocha', ...(parallel ? ['--parallel', '--jobs', '2'] : []), ...FIXTURES];
      const r = await run(process.execPath, args, { cwd: ROOT, env, timeout: 100_000 });
      expect(`${r.stdout}`, 'the fixture ran and passed').to.match(/2 passing/);
      // What runs share may stay (the netns tags claimed, tsx's compile cache); nothing a test made.
      const left = (await readdir(machine)).filter((f) => f !== 'crosswind-netns-tags' && !f.startsWith('tsx-'));
      expect(left, `left in ${machine}`).to.deep.equal([]);
    });
  }
});
