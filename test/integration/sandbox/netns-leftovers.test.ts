import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CLAIMS, claimFreshTag, claimTag, leftovers, releaseTag } from '../../support/netns-leftovers.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = 'test/fixtures/netns/makes-a-namespace.ts';

/** Runs mocha on the fixture as the suite runs its files (same .mocharc.json, so the same root hooks). */
async function mocha(env: NodeJS.ProcessEnv, args: string[] = [FIXTURE]): Promise<{ code: number; output: string }> {
  try {
    const r = await run(process.execPath, ['node_modules/.bin/mocha', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    return { code: 0, output: `${r.stdout}\n${r.stderr}` };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}\n${e.stderr ?? ''}` };
  }
}

// The suite-wide check (test/support/netns-leftovers.ts): a test run that leaves a namespace, a link or an /etc/netns
// entry of its own fails, naming them, and removes them.
describe('leftover namespaces fail the test run', function () {
  this.timeout(180_000);
  // A tag of its own, claimed like every run's, so the run below is told apart from this one and from any other.
  let tag: string;
  before(async () => {
    tag = await claimFreshTag();
  });
  after(async () => {
    await releaseTag(tag);
  });

  it('a run that removes what it made passes', async () => {
    const r = await mocha({ CROSSWIND_NETNS_TAG: tag, LEAVE: '0' });
    expect(r.code, `exit code\n${r.output}`).to.equal(0);
    expect(r.output, 'the fixture ran').to.match(/1 passing/);
  });

  it('a run that leaves a namespace and an /etc/netns entry fails, names them, and removes them', async () => {
    const r = await mocha({ CROSSWIND_NETNS_TAG: tag, LEAVE: '1' });
    expect(r.code, `a failed run\n${r.output}`).to.not.equal(0);
    expect(r.output, 'the leftovers named').to.include(`the tests left namespaces cw${tag}-leak; /etc/netns entries cw${tag}-leak`);
    const left = await leftovers(`cw${tag}-`);
    expect(left, 'nothing left on the machine').to.deep.equal({ namespaces: [], links: [], etc: [] });
  });

  it('two runs at once never hold the same tag; a claim whose process is gone is taken over', async () => {
    expect(await claimTag(tag), 'held by this process already').to.equal(false);
    const other = await claimFreshTag();
    try {
      expect(other, 'a second claim gets another tag').to.not.equal(tag);
      // A run killed before its last hook leaves its claim behind, naming a process that no longer exists.
      await writeFile(join(CLAIMS, other), '2147483646');
      expect(await claimTag(other), 'taken over from a process that is gone').to.equal(true);
    } finally {
      await releaseTag(other);
    }
  });

  it('holds the tag of every file a parallel run gives one worker, not only its first', async () => {
    // Three files on two workers (mocha runs one worker as a serial run), so one worker runs two of them, and mocha
    // runs the root hooks once per file there. The other two are copies of the fixture.
    const fixture = join(ROOT, 'test/fixtures/netns/holds-its-tag.ts');
    const dir = await mkdtemp(join(tmpdir(), 'holds-its-tag-'));
    try {
      const copies = [join(dir, 'holds-its-tag-2.ts'), join(dir, 'holds-its-tag-3.ts')];
      for (const c of copies) await copyFile(fixture, c);
      // No tag given (empty): each worker claims its own, as every run of the suite does.
      const r = await mocha({ CLAIMS_DIR: CLAIMS, CROSSWIND_NETNS_TAG: '' }, ['--parallel', '--jobs', '2', fixture, ...copies]);
      expect(r.code, `exit code\n${r.output}`).to.equal(0);
      expect(r.output, 'every file ran').to.match(/3 passing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
