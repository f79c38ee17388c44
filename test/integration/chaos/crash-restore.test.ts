import { expect } from 'chai';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { type MotoServer, startMoto } from '../../../sandbox/moto.ts';
import { type ChaosWorld, createChaosWorld, type WorldState } from '../../support/chaos-world.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';

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
  let moto: MotoServer;
  let world: ChaosWorld | undefined;

  before(async () => {
    moto = await startMoto();
  });
  afterEach(() => world?.cleanup());
  after(async () => {
    await moto?.stop();
  });

  async function fresh(): Promise<{ world: ChaosWorld; before: WorldState }> {
    await moto.reset();
    world = await createChaosWorld(moto);
    return { world, before: await world.snapshot() };
  }

  it(`restores every health check, weight and experiment after a kill at each of ${KILL_POINTS.length} points`, async () => {
    const outcomes: string[] = [];
    for (const point of KILL_POINTS) {
      const { world: w, before } = await fresh();
      // Points in the undo phase come after the hold: hold briefly to reach them.
      const args = point.n > 14 ? sequence('200ms') : SEQUENCE;
      const child = spawnCli(args, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: String(point.n) } });
      const line = await child.waitFor(/^checkpoint \d+ .*\(paused\)$/);
      expect(line, point.what).to.equal(`checkpoint ${point.n} ${point.name} (paused)`);
      child.child.kill('SIGKILL');
      const exit = await child.exited;
      expect(exit.signal).to.equal('SIGKILL');

      const during = await w.snapshot();
      const restored = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
      expect(restored.code, restored.stderr).to.equal(0);
      const after = await w.snapshot();
      expect(after, `after a kill at checkpoint ${point.n} (${point.what})`).to.deep.equal(before);

      // The ledger says so too: nothing left open.
      const [run] = listRunFolders(w.dir);
      const entries = readLedger(run?.path as string);
      const intents = entries.filter((e) => e.kind === 'intent').map((e) => e.id);
      const undone = new Set(entries.filter((e) => e.kind === 'undone').map((e) => e.id));
      expect(intents.filter((id) => !undone.has(id))).to.deep.equal([]);

      if (point === KILL_POINTS[0] || point === KILL_POINTS.at(-1)) {
        // Idempotent: a second restore finds nothing open and changes nothing.
        const again = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
        expect(again.code).to.equal(0);
        expect(again.stderr).to.include('nothing open');
        expect(await w.snapshot()).to.deep.equal(before);
      }
      outcomes.push(
        `${point.n} ${point.name}: ${JSON.stringify(during) === JSON.stringify(before) ? 'nothing was faulted' : 'faulted, restored'}`,
      );
    }
    expect(outcomes).to.have.length(KILL_POINTS.length);
    // At least the points after an apply really left something faulted for restore to undo.
    expect(outcomes.filter((o) => o.endsWith('faulted, restored')).length).to.be.greaterThan(KILL_POINTS.length / 2);
  });

  it('a restore killed halfway is finished by the next restore', async () => {
    const { world: w, before } = await fresh();
    const child = spawnCli(SEQUENCE, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: '14' } });
    await child.waitFor(/holding \(paused\)$/);
    child.child.kill('SIGKILL');
    await child.exited;
    // Kill the restore while it undoes the second fault (after the experiment was stopped and recorded).
    const restore = spawnCli(['restore'], { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINT_PAUSE: '4' } });
    expect(await restore.waitFor(/\(paused\)$/)).to.equal('checkpoint 4 restore-undoing (paused)');
    restore.child.kill('SIGKILL');
    await restore.exited;
    expect(await w.snapshot()).to.not.deep.equal(before);
    const finished = await crosswind(['restore'], { cwd: w.dir, env: QUIET });
    expect(finished.code, finished.stderr).to.equal(0);
    expect(await w.snapshot()).to.deep.equal(before);
  });

  it('SIGINT in the middle of a run restores everything before exiting non-zero', async () => {
    const { world: w, before } = await fresh();
    const child = spawnCli(SEQUENCE, { cwd: w.dir, env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' } });
    await child.waitFor(/^checkpoint \d+ holding$/);
    expect(await w.snapshot()).to.not.deep.equal(before);
    child.child.kill('SIGINT');
    const exit = await child.exited;
    expect(exit.code, child.stderr()).to.equal(4);
    // Restored by the process itself, before it exited: no restore run here.
    expect(await w.snapshot()).to.deep.equal(before);
    const [run] = listRunFolders(w.dir);
    const entries = readLedger(run?.path as string);
    expect(entries.find((e) => e.kind === 'stop')).to.include({ source: 'signal' });
    expect(entries.filter((e) => e.kind === 'undone')).to.have.length(3);
    expect(child.stderr()).to.include('SIGINT: stopping and undoing every fault');
  });
});
