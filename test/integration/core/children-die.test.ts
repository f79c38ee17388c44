import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { MOTO_CREDENTIALS } from '../../support/aws.ts';
import { spawnCli } from '../../support/child.ts';
import { type FakeWorld, startFakeWorld } from '../../support/fake-world.ts';
import { useMoto } from '../../support/moto.ts';
import { processesWithToken, processToken, survivorsAfter, TOKEN_VAR } from '../../support/processes.ts';
import { SHORT_ROLLOUT } from '../../support/short-rollout.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('children die with crosswind, however it ends', function () {
  this.timeout(60_000);
  let world: FakeWorld;
  let dir: string;
  // A rollout checks the account before its first hook: STS answers from moto.
  const moto = useMoto();

  before(async () => {
    world = await startFakeWorld({
      regions: ['us-east-1', 'eu-west-1'],
      preferences: { 'vantage-us': ['us-east-1'], 'vantage-eu': ['eu-west-1'] },
    });
    dir = await mkdtemp(join(tmpdir(), 'crosswind-children-'));
    await writeFile(
      join(dir, 'crosswind.config.yaml'),
      stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'], credentials: MOTO_CREDENTIALS, endpoints: { sts: moto.url } },
        regions: world.regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
        vantages: world.vantages,
        rollout: { ...SHORT_ROLLOUT, order: 'config', hooks: { deploy: 'echo deploying; sleep 300', rollback: 'true' } },
      }),
    );
  });
  after(async () => {
    await world?.stop();
  });

  it('SIGKILL mid-traffic: no k6 one second later, and the traffic stops', async () => {
    const token = processToken();
    const child = spawnCli(['synthetics', 'run', 'global-traffic', '--duration', '60s', '--rate', '20', '--run-dir', join(dir, 'run')], {
      cwd: dir,
      env: { ...QUIET, [TOKEN_VAR]: token },
    });
    await child.waitFor(/vantage-(us|eu): [1-9]\d* req/, 30_000);
    expect(
      processesWithToken(token).some((p) => /k6 run /.test(p)),
      'k6 runs',
    ).to.equal(true);
    child.child.signal('SIGKILL');
    await child.exited;
    expect(await survivorsAfter(token, 1000), 'processes of the run 1 s after crosswind was killed').to.deep.equal([]);
    // A request already on the wire when k6 died may still land; after that, nothing more arrives.
    await new Promise((r) => setTimeout(r, 300));
    const served = world.regions.reduce((n, r) => n + r.requests, 0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(
      world.regions.reduce((n, r) => n + r.requests, 0),
      'requests served after the kill',
    ).to.equal(served);
  });

  it('SIGKILL during a deploy hook: the hook and what it started die too', async () => {
    const token = processToken();
    const child = spawnCli(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--yes'], {
      cwd: dir,
      env: { ...QUIET, [TOKEN_VAR]: token },
    });
    await child.waitFor(/deploying/, 30_000);
    expect(
      processesWithToken(token).some((p) => /sleep 300/.test(p)),
      'the hook runs',
    ).to.equal(true);
    child.child.signal('SIGKILL');
    await child.exited;
    expect(await survivorsAfter(token, 1000), 'processes of the run 1 s after crosswind was killed').to.deep.equal([]);
  });
});
