import { expect } from 'chai';
import { chaosClients } from '../../../chaos/clients.ts';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { StopConditionBreach, withFaultSession } from '../../../chaos/session.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import type { CrosswindConfig } from '../../../config/schema.ts';
import { faultEvents } from '../../../core/ledger-entry.ts';
import { type ChaosWorld, createChaosWorld } from '../../support/chaos-world.ts';
import { useMoto } from '../../support/moto.ts';

/** withFaultSession in-process, as the pipelines call it, against moto. */
describe('chaos: fault sessions against moto', function () {
  this.timeout(60_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;

  afterEach(() => world?.cleanup());

  async function setup(chaos: Record<string, unknown> = {}): Promise<{ w: ChaosWorld; config: CrosswindConfig }> {
    await moto.reset();
    world = await createChaosWorld(moto, { chaos: { stopConditions: { alarms: [], pollInterval: 200 }, ...chaos } });
    return { w: world, config: resolveConfig(world.config) };
  }

  it('a live error rate above the bound in the regions not under fault stops the run and undoes its faults', async () => {
    const { w, config } = await setup({ stopConditions: { alarms: [], pollInterval: 200, maxErrorRate: 0.01 } });
    const before = await w.snapshot();
    const asked: string[][] = [];
    let rate: number | undefined;
    const err = await withFaultSession(
      {
        config,
        root: w.dir,
        mode: 'gameday',
        errorRate: (regions) => {
          asked.push([...regions]);
          return rate;
        },
      },
      async (s) => {
        await s.apply({ kind: 'invert-health-check', region: 'us-east-1' });
        expect((await w.snapshot()).healthChecks['us-east-1']?.inverted).to.equal(true);
        rate = 0.2;
        await s.hold(30_000);
      },
    ).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(StopConditionBreach);
    expect((err as StopConditionBreach).source).to.equal('error-rate');
    expect(asked[0]).to.deep.equal(['us-west-2', 'eu-west-1']);
    expect(await w.snapshot()).to.deep.equal(before);
    const [run] = listRunFolders(w.dir);
    expect(run?.mode).to.equal('gameday');
    const entries = readLedger(run?.path as string);
    expect(entries.find((e) => e.kind === 'stop')).to.deep.include({ source: 'error-rate' });
  });

  it('a weight canary steps 10 %, 50 %, 100 % in one run and unwinds to the prior weights; another run may not touch it meanwhile', async () => {
    const { w, config } = await setup();
    const before = await w.snapshot();
    const seen: Record<string, number | undefined>[] = [];
    await withFaultSession({ config, root: w.dir }, async (s) => {
      for (const percent of [10, 50, 100]) {
        await s.apply({ kind: 'shift-weight', region: 'eu-west-1', percent });
        seen.push((await w.snapshot()).weights);
      }
      const other: unknown = await withFaultSession({ config, root: w.dir }, (o) =>
        o.apply({ kind: 'shift-weight', region: 'us-east-1', percent: 0 }),
      ).catch((e: unknown) => e);
      expect((other as Error).message).to.match(/records:.*already has an open fault \(shift-weight eu-west-1/);
    });
    // Steps of eu-west-1's own weight (10); us-east-1 (60) and us-west-2 (30) keep theirs throughout.
    expect(seen.map((x) => x['eu-west-1'])).to.deep.equal([1, 5, 10]);
    for (const s of seen) expect(s, 'the other regions untouched').to.deep.include({ 'us-east-1': 60, 'us-west-2': 30 });
    expect(await w.snapshot()).to.deep.equal(before);
  });

  it('t_fault is when the experiment started (the call, or the start FIS reports), not when a later poll saw it running', async () => {
    // moto needs two GetExperiment calls to reach "running": with a 400 ms poll the old `applied` time was ~0.8 s late.
    const { w, config } = await setup({ poll: { experimentInterval: '400ms', experimentDeadline: '10s', stopDeadline: '10s' } });
    const clients = chaosClients(config.aws);
    const call: { sentAt?: number; returnedAt?: number } = {};
    clients.fis('eu-west-1').middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'StartExperimentCommand') return next(args);
        call.sentAt = Date.now();
        const out = await next(args);
        call.returnedAt = Date.now();
        return out;
      },
      { step: 'initialize', name: 'timeStartExperiment' },
    );
    let applied: number | undefined;
    await withFaultSession({ config, root: w.dir, clients }, async (s) => {
      applied = (await s.apply({ kind: 'fis-experiment', template: 'stop-tasks' }))?.appliedAt;
    });
    const [run] = listRunFolders(w.dir);
    const [event] = faultEvents(readLedger(run?.path as string));
    if (call.sentAt === undefined || call.returnedAt === undefined || !event) throw new Error('StartExperiment was never called');
    // moto reports every action started when the experiment did (while the call was served): t_fault is that report,
    // never before the call and never after it returned.
    expect(event.appliedAt, 'ledger t_fault no earlier than just before the StartExperiment request').to.be.at.least(call.sentAt - 50);
    expect(event.appliedAt, 'and no later than the call’s return').to.be.at.most(call.returnedAt);
    expect(event.returnedAt, 'the call’s return time is recorded too')
      .to.be.at.least(call.sentAt)
      .and.at.most(call.returnedAt + 1);
    expect(applied, 'what apply returns is the same t_fault').to.equal(event.appliedAt);
  });

  it('the dead man’s switch: a fault left open past its deadline is undone by the next session that opens the ledgers', async () => {
    const { w, config } = await setup({ faultDeadline: '300ms' });
    const before = await w.snapshot();
    await withFaultSession({ config, root: w.dir, keepFaults: true }, async (s) => {
      await s.apply({ kind: 'invert-health-check', region: 'us-west-2' });
    });
    expect((await w.snapshot()).healthChecks['us-west-2']?.inverted).to.equal(true);
    await new Promise((r) => setTimeout(r, 400));
    await withFaultSession({ config, root: w.dir, dryRun: false }, async () => {});
    expect(await w.snapshot()).to.deep.equal(before);
    const [first] = listRunFolders(w.dir);
    const undone = readLedger(first?.path as string).find((e) => e.kind === 'undone');
    expect(undone?.kind === 'undone' && undone.reason).to.match(/^deadline/);
  });

  it('inside a run, a fault is undone at its deadline even while the run goes on', async () => {
    const { w, config } = await setup({ faultDeadline: '300ms' });
    const before = await w.snapshot();
    await withFaultSession({ config, root: w.dir, clients: chaosClients(config.aws) }, async (s) => {
      await s.apply({ kind: 'invert-health-check', region: 'eu-west-1' });
      await s.hold(1_200);
      expect(s.openFaults()).to.deep.equal([]);
      expect(await w.snapshot()).to.deep.equal(before);
    });
  });
});
