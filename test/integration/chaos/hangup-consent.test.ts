import { existsSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { endpointsAt } from '../../support/aws.ts';
import { type ChaosWorld, createChaosWorld } from '../../support/chaos-world.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';
import { type RecordingProxy, startRecordingProxy } from '../../support/recording-proxy.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('chaos: hang-ups, consent without a terminal, and who owns a run', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    world?.cleanup();
    await proxy?.stop();
    proxy = undefined;
  });

  async function fresh(config: Record<string, unknown> = {}): Promise<ChaosWorld> {
    await moto.reset();
    world = await createChaosWorld(moto);
    proxy = await startRecordingProxy(moto.url);
    const endpoints = endpointsAt(proxy.url);
    writeFileSync(world.configFile, JSON.stringify({ ...world.config, aws: { ...world.config.aws, endpoints }, ...config }));
    return world;
  }

  it('SIGHUP (a closed terminal or SSH session) restores like SIGINT and SIGTERM', async () => {
    const w = await fresh();
    const before = await w.snapshot();
    const child = spawnCli(['chaos', 'invert-health-check', '--region', 'us-east-1', '--hold', '60s', '--yes'], {
      cwd: w.dir,
      env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' },
    });
    await child.waitFor(/^checkpoint \d+ holding$/);
    expect((await w.snapshot()).healthChecks['us-east-1'], 'forced unhealthy').to.include({ inverted: true, disabled: true });
    child.child.signal('SIGHUP');
    const exit = await child.exited;
    expect(exit.code, child.stderr()).to.equal(4);
    expect(child.stderr()).to.include('SIGHUP: stopping and undoing every fault');
    expect(await w.snapshot(), 'restored by the process itself').to.deep.equal(before);
    const [run] = listRunFolders(w.dir);
    expect(readLedger(run?.path as string).find((e) => e.kind === 'stop')).to.include({ source: 'signal', reason: 'received SIGHUP' });
  });

  it('without a terminal and without --yes, a fault is refused (exit 2) before any AWS call', async () => {
    const w = await fresh();
    const before = await w.snapshot();
    const r = await crosswind(['chaos', 'invert-health-check', '--region', 'us-east-1'], { cwd: w.dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/^error: --yes: stdin is not a terminal, so nobody can confirm/m);
    expect(proxy?.calls, 'AWS calls').to.deep.equal([]);
    expect(await w.snapshot()).to.deep.equal(before);
    expect(listRunFolders(w.dir), 'run folders').to.deep.equal([]);
  });

  it('without a terminal and without --yes, a rollout is refused (exit 2) before any hook runs', async () => {
    const w = await fresh({ rollout: { order: 'config', hooks: { deploy: 'touch deployed', rollback: 'touch rolled-back' } } });
    const r = await crosswind(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0'], { cwd: w.dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/^error: --yes: stdin is not a terminal/m);
    expect(existsSync(join(w.dir, 'deployed')), 'the deploy hook ran').to.equal(false);
    expect(proxy?.calls, 'AWS calls').to.deep.equal([]);
  });

  it('without a terminal and without --yes, a game day is refused (exit 2) before any AWS call', async () => {
    const w = await fresh();
    const r = await crosswind(['gameday'], { cwd: w.dir, env: QUIET });
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.match(/^error: --yes: stdin is not a terminal/m);
    expect(proxy?.calls, 'AWS calls').to.deep.equal([]);
    expect(listRunFolders(w.dir), 'run folders').to.deep.equal([]);
  });

  it('a stale lock naming PID 1 (always alive, another process now) does not stop restore', async () => {
    const w = await fresh();
    const before = await w.snapshot();
    const child = spawnCli(['chaos', 'invert-health-check', '--region', 'us-east-1', '--hold', '60s', '--yes'], {
      cwd: w.dir,
      env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' },
    });
    await child.waitFor(/^checkpoint \d+ holding$/);
    child.child.signal('SIGKILL');
    await child.exited;
    // The run's crosswind was PID 1 of a container; the restarted container's PID 1 started after it wrote the lock.
    const [run] = listRunFolders(w.dir);
    const lock = join(run?.path as string, 'ledger.lock');
    writeFileSync(lock, '1\n');
    utimesSync(lock, new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
    const restored = await crosswind(['restore', '--all'], { cwd: w.dir, env: QUIET });
    expect(restored.code, restored.stderr).to.equal(0);
    expect(await w.snapshot()).to.deep.equal(before);
  });
});
