import { SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { ListExperimentsCommand } from '@aws-sdk/client-fis';
import { expect } from 'chai';
import { readLedger } from '../../../chaos/ledger.ts';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { motoClients } from '../../support/aws.ts';
import { ALARM, type ChaosWorld, createChaosWorld } from '../../support/chaos-world.ts';
import { spawnCli } from '../../support/child.ts';
import { useMoto } from '../../support/moto.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const POLL_MS = 2_000;

describe('chaos stop conditions against moto', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;

  after(async () => {
    world?.cleanup();
  });

  it('an alarm set to ALARM during an experiment stops it and undoes every fault within two poll intervals', async () => {
    world = await createChaosWorld(moto, { chaos: { stopConditions: { alarms: [ALARM], pollInterval: POLL_MS } } });
    const before = await world.snapshot();
    const child = spawnCli(
      ['chaos', 'run', '--fault', 'fis-experiment:latency', '--fault', 'invert-health-check:us-east-1', '--hold', '60s', '--yes'],
      {
        cwd: world.dir,
        env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1' },
      },
    );
    await child.waitFor(/^checkpoint \d+ holding$/);
    const running = await motoClients(moto, 'eu-west-1').fis.send(new ListExperimentsCommand({}));
    expect(running.experiments?.map((e) => e.state?.status)).to.deep.equal(['running']);

    const alarmedAt = Date.now();
    await motoClients(moto).cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: ALARM, StateValue: 'ALARM', StateReason: 'error rate above 5 %' }),
    );
    const exit = await child.exited;
    expect(exit.code, child.stderr()).to.equal(1);
    expect(child.stderr()).to.include(`stop condition: alarm ${ALARM} (us-east-1): error rate above 5 % in ALARM`);

    const [run] = listRunFolders(world.dir);
    const entries = readLedger(run?.path as string);
    const stop = entries.find((e) => e.kind === 'stop');
    expect(stop).to.include({ source: 'alarm' });
    const undone = entries.filter((e) => e.kind === 'undone');
    expect(undone).to.have.length(2);
    for (const u of undone) {
      expect(u.kind === 'undone' && u.reason).to.match(/^stopped: alarm shop-errors/);
      expect(Date.parse(u.at) - alarmedAt, `undone ${Date.parse(u.at) - alarmedAt} ms after the alarm`).to.be.below(2 * POLL_MS);
    }
    // Stopped by crosswind, not left to complete: StopExperiment reached FIS.
    const after = await motoClients(moto, 'eu-west-1').fis.send(new ListExperimentsCommand({}));
    expect(after.experiments?.map((e) => e.state?.status)).to.deep.equal(['stopped']);
    const state = await world.snapshot();
    expect(state.healthChecks).to.deep.equal(before.healthChecks);
    expect(state.activeExperiments).to.deep.equal([]);
    expect(state.templates).to.deep.equal([]);
  });
});
