import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { type ChaosWorld, createChaosWorld, STATE_BUCKET, type WorldState } from '../../support/chaos-world.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('the ledger kept in S3 (chaos.ledger): a restore from another machine sees it', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;
  const dirs: string[] = [];
  after(async () => {
    world?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A project folder on a "machine" of its own, with the world's config and the ledger in S3. */
  function machine(w: ChaosWorld): string {
    const dir = mkdtempSync(join(tmpdir(), 'crosswind-machine-'));
    dirs.push(dir);
    const config = { ...w.config, chaos: { ...(w.config.chaos as object), ledger: `s3://${STATE_BUCKET}/ledgers` } };
    writeFileSync(join(dir, 'crosswind.config.json'), JSON.stringify(config));
    return dir;
  }

  async function killedMidRun(w: ChaosWorld, dir: string): Promise<WorldState> {
    const child = spawnCli(
      ['chaos', 'run', '--fault', 'invert-health-check:us-east-1', '--fault', 'shift-weight:us-west-2:10', '--hold', '60s', '--yes'],
      {
        cwd: dir,
        env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' },
      },
    );
    await child.waitFor(/^checkpoint \d+ holding$/);
    child.child.signal('SIGKILL');
    await child.exited;
    return w.snapshot();
  }

  it('the machine that ran the faults is gone with its run folder: another one restores from S3', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const before = await world.snapshot();
    const first = machine(world);
    const during = await killedMidRun(world, first);
    expect(during, 'faults left behind').to.not.deep.equal(before);
    rmSync(first, { recursive: true, force: true });

    const second = machine(world);
    const dry = await crosswind(['restore', '--dry-run'], { cwd: second, env: QUIET });
    expect(JSON.parse(dry.stdout), dry.stderr).to.deep.include({ open: 2 });
    expect(dry.stderr).to.match(new RegExp(`would undo invert-health-check us-east-1 \\(f-[0-9a-f]+ in s3://${STATE_BUCKET}/ledgers/`));
    const r = await crosswind(['restore', '--all'], { cwd: second, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    expect(await world.snapshot(), 'restored from the S3 ledger alone').to.deep.equal(before);
    const again = await crosswind(['restore'], { cwd: second, env: QUIET });
    expect(again.stderr, 'the undone lines went to S3 too').to.include('nothing open');
  });

  it('as strong as the better copy: a local ledger damaged where it held the intents is made whole by its S3 copy', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const before = await world.snapshot();
    const dir = machine(world);
    await killedMidRun(world, dir);
    const [run] = listRunFolders(dir);
    const file = join(run?.path as string, 'ledger.jsonl');
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"kind":"intent"', '"kind":"garbled"'));
    const r = await crosswind(['restore', '--all'], { cwd: dir, env: QUIET });
    expect(await world.snapshot(), 'every fault undone from the S3 copy').to.deep.equal(before);
    // The damaged local lines are still named: exit 3 says the local copy needs a look.
    expect(r.stderr).to.match(/ledger\.jsonl:\d+: damaged ledger line skipped \(unknown kind "garbled"\)/);
    expect(r.code, r.stderr).to.equal(3);
  });
});
