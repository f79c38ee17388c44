import { expect } from 'chai';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { type ChaosWorld, createChaosWorld } from '../../support/chaos-world.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('crosswind chaos resolves every fault before the first (against moto)', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;

  afterEach(() => world?.cleanup());

  it('a run whose second fault names a template id that does not exist changes nothing: exit 2 naming --fault[1]', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const before = await world.snapshot();
    const r = await crosswind(
      ['chaos', 'run', '--fault', 'invert-health-check:us-east-1', '--fault', 'fis-experiment:us-east-1:EXT9', '--yes'],
      {
        cwd: world.dir,
        env: QUIET,
      },
    );
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include(
      '--fault[1]: "EXT9" is neither a template in chaos.experiments nor an FIS experiment template id in us-east-1',
    );
    expect(r.stderr).to.include('preflight: 1 missing piece(s); nothing was changed');
    expect(await world.snapshot(), 'the first fault was never applied').to.deep.equal(before);
    expect(before.healthChecks['us-east-1'], 'the forced region as it was').to.include({ inverted: false, disabled: false });
    expect(listRunFolders(world.dir), 'no run folder for a refused run').to.deep.equal([]);
  });
});
