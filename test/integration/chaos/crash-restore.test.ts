import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { endpointsAt } from '../../support/aws.ts';
import { type ChaosWorld, createChaosWorld, type WorldState } from '../../support/chaos-world.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';
import { startRecordingProxy } from '../../support/recording-proxy.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** Three faults in one run: a health check forced, a weight shift, an FIS experiment; held, then undone. */
const sequence = (hold: string) => [
  'chaos',
  'run',
  '--fault',
  'invert-health-check:us-east-1',
  '--fault',
  'shift-weight:us-west-2:10',
  '--fault',
  'fis-experiment:latency',
  '--hold',
  hold,
  '--yes',
];
const SEQUENCE = sequence('30s');

/**
 * Checkpoints of SEQUENCE, in order (CROSSWIND_CHECKPOINTS=1 prints them). The n-th is where the n-th kill lands;
 * the names are asserted so a change in the sequence cannot silently move the kill points.
 */
const KILL_POINTS: { n: number; name: string; what: string }[] = [
  { n: 1, name: 'intent-written', what: 'health check: intent durable, nothing applied' },
  { n: 2, name: 'applied', what: 'health check applied, not yet recorded' },
  { n: 5, name: 'applied', what: 'weights shifted, not yet recorded' },
  { n: 6, name: 'applied-recorded', what: 'two faults applied and recorded' },
  { n: 8, name: 'fis-template-created', what: 'template created, experiment not started' },
  { n: 9, name: 'fis-experiment-started', what: 'experiment started, id not yet in the ledger' },
  { n: 10, name: 'fis-polling', what: 'polling the experiment' },
  { n: 14, name: 'holding', what: 'every fault active' },
  { n: 16, name: 'fis-stopping', what: 'while undoing: experiment stop requested' },
  { n: 17, name: 'undone', what: 'while undoing: experiment stopped, not yet recorded' },
  { n: 19, name: 'undone', what: 'while undoing: weights restored, not yet recorded' },
];

describe('chaos: SIGKILL anywhere in a fault sequence, then crosswind restore', function () {
  this.timeout(300_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;
  afterEach(() => world?.cleanup());

  async function fresh(): Promise<{ world: ChaosWorld; before: WorldState }> {
    await moto.reset();
    world = await createChaosWorld(moto);
    return { world, before: await world.snapshot() };
  }

  for (const point of KILL_POINTS) {
    it(`kill -9 at checkpoint ${point.n} (${point.what}): crosswind restore puts everything back`, async () => {
      const { world: w, before } = await fresh();
      // Points in the undo phase come after the hold: hold briefly to reach them.
      const args = point.n > 14 ? sequence('200ms') : SEQUENCE;
      const child = spawnCli(args, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: String(point.n) } });
      const line = await child.waitFor(/^checkpoint \d+ .*\(paused\)$/);
      expect(line).to.equal(`checkpoint ${point.n} ${point.name} (paused)`);
      child.child.signal('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal).to.equal('SIGKILL');

      // Only the very first point comes before any change reached AWS.
      const during = await w.snapshot();
      if (point.n === 1) expect(during).to.deep.equal(before);
      else expect(during).to.not.deep.equal(before);

      if (point.name === 'holding') {
        // A dry run lists the three open faults and what it would put back, and changes nothing.
        const dry = await crosswind(['restore', '--dry-run'], { cwd: w.dir, env: QUIET });
        expect(dry.code, dry.stderr).to.equal(0);
        expect(JSON.parse(dry.stdout)).to.deep.equal({ open: 3, skipped: 0, damaged: 0 });
        expect(dry.stderr.split('\n').filter((l) => l.startsWith('would undo '))).to.have.length(3);
        expect(dry.stderr).to.match(/would undo invert-health-check us-east-1 .*put back \{.*"inverted":false/i);
        expect(await w.snapshot()).to.deep.equal(during);
      }

      const restored = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
      expect(restored.code, restored.stderr).to.equal(0);
      expect(await w.snapshot()).to.deep.equal(before);

      // The ledger says so too: nothing left open.
      const [run] = listRunFolders(w.dir);
      const entries = readLedger(run?.path as string);
      const undone = new Set(entries.filter((e) => e.kind === 'undone').map((e) => e.id));
      expect(entries.filter((e) => e.kind === 'intent' && !undone.has(e.id))).to.deep.equal([]);

      if (point === KILL_POINTS[0] || point === KILL_POINTS.at(-1)) {
        // Idempotent: a second restore finds nothing open and changes nothing.
        const again = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
        expect(again.code).to.equal(0);
        expect(again.stderr).to.include('nothing open');
        expect(await w.snapshot()).to.deep.equal(before);
      }
    });
  }

  it('a restore killed halfway is finished by the next restore', async () => {
    const { world: w, before } = await fresh();
    const child = spawnCli(SEQUENCE, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: '14' } });
    await child.waitFor(/holding \(paused\)$/);
    child.child.signal('SIGKILL');
    await child.exited;
    // Kill the restore while it undoes the second fault (after the experiment was stopped and recorded).
    const restore = spawnCli(['restore'], { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: '4' } });
    expect(await restore.waitFor(/\(paused\)$/)).to.equal('checkpoint 4 restore-undoing (paused)');
    restore.child.signal('SIGKILL');
    await restore.exited;
    expect(await w.snapshot()).to.not.deep.equal(before);
    const finished = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
    expect(finished.code, finished.stderr).to.equal(0);
    expect(await w.snapshot()).to.deep.equal(before);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} in the middle of a run restores everything before exiting non-zero`, async () => {
      const { world: w, before } = await fresh();
      const child = spawnCli(SEQUENCE, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' } });
      await child.waitFor(/^checkpoint \d+ holding$/);
      expect(await w.snapshot()).to.not.deep.equal(before);
      child.child.signal(signal);
      const exit = await child.exited;
      expect(exit.code, child.stderr()).to.equal(4);
      // Restored by the process itself, before it exited: no restore run here.
      expect(await w.snapshot()).to.deep.equal(before);
      const [run] = listRunFolders(w.dir);
      const entries = readLedger(run?.path as string);
      expect(entries.find((e) => e.kind === 'stop')).to.include({ source: 'signal' });
      expect(entries.filter((e) => e.kind === 'undone')).to.have.length(3);
      expect(child.stderr()).to.include(`${signal}: stopping and undoing every fault`);
    });
  }

  it('an error nothing catches in the middle of a run restores everything, then exits 3', async () => {
    const { world: w, before } = await fresh();
    const child = spawnCli(SEQUENCE, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_THROW: '14' } });
    expect(await child.waitFor(/^checkpoint 14 /)).to.equal('checkpoint 14 holding (throwing)');
    const exit = await child.exited;
    expect(exit.code, child.stderr()).to.equal(3);
    expect(child.stderr()).to.include('uncaught error: crash test: thrown after checkpoint 14 holding; undoing every fault');
    // Restored by the process itself, before it exited: no restore run here.
    expect(await w.snapshot()).to.deep.equal(before);
    const [run] = listRunFolders(w.dir);
    const entries = readLedger(run?.path as string);
    expect(entries.find((e) => e.kind === 'stop')).to.include({ source: 'error' });
    expect(entries.filter((e) => e.kind === 'undone')).to.have.length(3);
  });

  it('a second SIGINT while undoing exits at once and leaves the ledger for crosswind restore', async () => {
    const { world: w, before } = await fresh();
    const proxy = await startRecordingProxy(moto.url);
    try {
      const endpoints = endpointsAt(proxy.url);
      writeFileSync(w.configFile, JSON.stringify({ ...w.config, aws: { ...w.config.aws, endpoints } }));
      const child = spawnCli(['chaos', 'run', '--fault', 'invert-health-check:us-east-1', '--hold', '30s', '--yes'], {
        cwd: w.dir,
        env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' },
      });
      await child.waitFor(/^checkpoint \d+ holding$/);
      // AWS turns slow: the undo the first SIGINT starts hangs on its first call.
      proxy.delayMs = 60_000;
      child.child.signal('SIGINT');
      await child.waitFor(/^checkpoint \d+ undoing$/);
      const second = Date.now();
      child.child.signal('SIGINT');
      const exit = await child.exited;
      expect(Date.now() - second, 'exits at once').to.be.below(5_000);
      expect(exit.code).to.equal(130);
      expect(child.stderr()).to.include('SIGINT again: exiting now; open faults stay in the ledger');
      expect((await w.snapshot()).healthChecks['us-east-1']?.inverted).to.equal(true);
      proxy.delayMs = 0;
      const restored = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
      expect(restored.code, restored.stderr).to.equal(0);
      expect(await w.snapshot()).to.deep.equal(before);
    } finally {
      await proxy.stop();
    }
  });
});
