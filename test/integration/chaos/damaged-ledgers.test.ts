import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { type ChaosWorld, createChaosWorld, type WorldState } from '../../support/chaos-world.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Sets or clears the immutable attribute: even root cannot append to an immutable file. */
function immutable(file: string, on: boolean) {
  execFileSync('chattr', [on ? '+i' : '-i', file]);
}

describe('restore is as strong as the best ledger, not the worst', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;
  let locked: string | undefined;

  afterEach(() => {
    if (locked) immutable(locked, false);
    locked = undefined;
    world?.cleanup();
  });

  /** Two runs, each leaving one health check forced unhealthy: run A (older) on us-west-2, run B (newer) on us-east-1. */
  async function twoOpenRuns(): Promise<{ w: ChaosWorld; before: WorldState; a: string; b: string }> {
    await moto.reset();
    const w = await createChaosWorld(moto);
    world = w;
    const before = await w.snapshot();
    for (const region of ['us-west-2', 'us-east-1']) {
      const r = await crosswind(['chaos', 'invert-health-check', '--region', region, '--yes'], { cwd: w.dir, env: QUIET });
      expect(r.code, r.stderr).to.equal(0);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // run folders are named by the second
    }
    const [a, b] = listRunFolders(w.dir).map((r) => join(r.path, 'ledger.jsonl'));
    return { w, before, a: a as string, b: b as string };
  }

  const healthOf = async (w: ChaosWorld, region: string) => (await w.snapshot()).healthChecks[region];

  it('a damaged first line: that line is named and skipped, every other run is restored, exit 3', async () => {
    const { w, before, a } = await twoOpenRuns();
    const lines = readFileSync(a, 'utf8').split('\n');
    writeFileSync(a, ['{"kind":"intent","id":"f-0', ...lines.slice(1)].join('\n'));
    const r = await crosswind(['restore', '--all'], { cwd: w.dir, env: QUIET });
    expect(await healthOf(w, 'us-east-1'), 'the healthy run restored').to.deep.equal(before.healthChecks['us-east-1']);
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.include(`${a}:1: damaged ledger line skipped (not JSON)`);
    // The damaged line held run A's intent: its fault is unknown to crosswind now, and the exit says so.
    expect(r.stderr).to.match(/restore left 1 thing\(s\) open or unknown/);
  });

  it('a null line is skipped and named; both runs are restored, and the exit says a line was unreadable', async () => {
    const { w, before, a } = await twoOpenRuns();
    writeFileSync(a, `${readFileSync(a, 'utf8')}null\n`);
    const r = await crosswind(['restore', '--all'], { cwd: w.dir, env: QUIET });
    expect(await w.snapshot()).to.deep.equal(before);
    expect(r.stderr).to.include(`${a}:3: damaged ledger line skipped (not a ledger entry (null))`);
    expect(r.code, r.stderr).to.equal(3);
  });

  it('an unwritable (immutable) ledger is reported and its faults undone anyway; the other run is restored too', async () => {
    const { w, before, b } = await twoOpenRuns();
    immutable(b, true);
    locked = b;
    const r = await crosswind(['restore', '--all'], { cwd: w.dir, env: QUIET });
    expect(await w.snapshot(), 'every fault undone').to.deep.equal(before);
    expect(r.stderr).to.match(/cannot write the ledger of .*; undoing its faults anyway/);
    expect(r.code, r.stderr).to.equal(3);
    expect(JSON.parse(r.stdout)).to.include({ undone: 2, unrecorded: 1 });
  });

  it('a damaged unrelated ledger never blocks a new chaos command', async () => {
    const { w, a } = await twoOpenRuns();
    writeFileSync(a, `not json\n${readFileSync(a, 'utf8')}`);
    const restore = await crosswind(['restore', '--run', listRunFolders(w.dir)[1]?.name as string], { cwd: w.dir, env: QUIET });
    expect(restore.code, restore.stderr).to.equal(0);
    const r = await crosswind(['chaos', 'invert-health-check', '--region', 'eu-west-1', '--hold', '0s', '--yes'], {
      cwd: w.dir,
      env: QUIET,
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`warning: ${a}:1: damaged ledger line skipped (not JSON)`);
  });
});
