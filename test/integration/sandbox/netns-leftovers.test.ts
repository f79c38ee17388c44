import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { leftovers } from '../../support/netns-leftovers.ts';

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
  // A tag of its own, so the run below is told apart from this one (whose tag the root hook set).
  let tag: string;
  before(() => {
    do tag = randomBytes(1).toString('hex');
    while (tag === process.env.CROSSWIND_NETNS_TAG);
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
});
