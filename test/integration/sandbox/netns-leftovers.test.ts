import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { CLAIMS, claimFreshTag, claimTag, leftovers, releaseTag } from '../../support/netns-leftovers.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = 'test/fixtures/netns/makes-a-namespace.ts';

/** Runs mocha on the fixture as the suite runs its files (same .mocharc.json, so the same root hooks). */
async function mocha(env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  try {
    const r = await run(process.execPath, ['node_modules/.bin/mocha', FIXTURE], {
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
});
