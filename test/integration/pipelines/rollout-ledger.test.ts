import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { MOTO_CREDENTIALS } from '../../support/aws.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { useMoto } from '../../support/moto.ts';
import { SHORT_ROLLOUT } from '../../support/short-rollout.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('rollout: a deploy is in the fault ledger before it happens', function () {
  this.timeout(60_000);
  let dir: string;
  // The account is checked before any hook runs: STS answers from moto.
  const moto = useMoto();
  // Each wave's steady state is judged on real traffic before its deploy: two small regions answer it.
  let world: FakeWorld;
  before(async () => {
    world = await startFakeWorld({ regions: ['us-east-1', 'us-west-2'], preferences: { 'vantage-us': ['us-east-1', 'us-west-2'] } });
  });
  after(async () => {
    await world?.stop();
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosswind-rollout-ledger-'));
    mkdirSync(join(dir, 'versions'));
    for (const r of ['us-east-1', 'us-west-2']) writeFileSync(join(dir, 'versions', r), '1.0.0\n');
    writeFileSync(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'], credentials: MOTO_CREDENTIALS, endpoints: { sts: moto.url } },
        regions: world.regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
        vantages: world.vantages,
        rollout: {
          ...SHORT_ROLLOUT,
          order: 'config',
          hooks: {
            deploy: 'echo "$VERSION" > "versions/$REGION"; echo deployed',
            rollback: 'echo "$PREVIOUS_VERSION" > "versions/$REGION"; echo rolled back',
          },
        },
      }),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const version = (region: string) => readFileSync(join(dir, 'versions', region), 'utf8').trim();

  it('a rollout killed after its deploy, before any judgement: restore rolls the unjudged wave back', async () => {
    const child = spawnCli(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--to-wave', '1', '--yes'], {
      cwd: dir,
      env: QUIET,
    });
    await child.waitFor(/\| deployed$/);
    child.child.signal('SIGKILL');
    await child.exited;
    expect(version('us-east-1'), 'deployed, unjudged').to.equal('2.0.0');

    const dry = await crosswind(['restore', '--dry-run'], { cwd: dir, env: QUIET });
    expect(dry.stderr).to.match(/would undo deploy us-east-1 .*"previousVersion":"1.0.0"/);

    const r = await crosswind(['restore', '--all'], { cwd: dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    expect(version('us-east-1'), 'rolled back by restore').to.equal('1.0.0');
    expect(r.stderr).to.include('rollback hook put 1.0.0 back in us-east-1');
    const [run] = listRunFolders(dir);
    const intent = readLedger(run?.path as string).find((e) => e.kind === 'intent');
    expect(intent, 'the deploy intent').to.deep.include({
      fault: { kind: 'deploy', region: 'us-east-1', resources: { version: '2.0.0', previousVersion: '1.0.0' }, takesOut: [] },
    });
    expect((intent as { prior: Record<string, unknown> }).prior).to.include({
      region: 'us-east-1',
      version: '2.0.0',
      previousVersion: '1.0.0',
      rollback: 'echo "$PREVIOUS_VERSION" > "versions/$REGION"; echo rolled back',
    });
    // Nothing is left open: a second restore finds nothing.
    const again = await crosswind(['restore'], { cwd: dir, env: QUIET });
    expect(again.stderr).to.include('nothing open');
  });

  it('the deploy intent is durable before the deploy hook runs', async () => {
    const child = spawnCli(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--to-wave', '1', '--yes'], {
      cwd: dir,
      env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: '1' },
    });
    expect(await child.waitFor(/\(paused\)$/)).to.equal('checkpoint 1 intent-written (paused)');
    child.child.signal('SIGKILL');
    await child.exited;
    expect(version('us-east-1'), 'not deployed yet').to.equal('1.0.0');
    const r = await crosswind(['restore', '--all'], { cwd: dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(0);
    expect(version('us-east-1')).to.equal('1.0.0');
  });
});
