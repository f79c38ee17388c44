import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FisClient, ListExperimentsCommand } from '@aws-sdk/client-fis';
import { GetHealthCheckCommand, GetHealthCheckStatusCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { clearFault, setFault } from '../../../sandbox/region-app/admin-client.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { crosswind } from '../../support/cli.ts';
import { until as pollUntil } from '../../support/until.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };

const until = (what: string, check: () => Promise<boolean>) => pollUntil(what, check, 15_000, 100);

describe('chaos against the sandbox (edge-computed health, FIS executor)', function () {
  this.timeout(120_000);
  let sandbox: SandboxHandle;
  let dir: string;
  let route53: Route53Client;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crosswind-chaos-sandbox-'));
    sandbox = await startSandbox({ stateFile: join(dir, '.crosswind', 'sandbox', 'state.json'), timing: TIMING, fisPollMs: 100 });
    const { aws } = sandbox.state;
    route53 = sandboxRoute53(aws);
    writeFileSync(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        sandbox: { state: '.crosswind/sandbox/state.json' },
        chaos: {
          // Down to the last healthy region: what these tests take out, one region at a time.
          minHealthyRegions: 1,
          poll: { experimentInterval: '100ms', experimentDeadline: '10s', stopDeadline: '10s' },
        },
      }),
    );
  });
  after(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const region = (name: string) => {
    const r = sandbox.state.regions.find((x) => x.name === name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  };
  const healthy = async (name: string) => {
    const out = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: region(name).healthCheckId }));
    const obs = out.HealthCheckObservations ?? [];
    return obs.filter((o) => o.StatusReport?.Status?.startsWith('Success')).length / Math.max(obs.length, 1) > 0.18;
  };

  it('with two regions failing their health checks, forcing the third is refused and its health check untouched', async () => {
    const down = ['us-east-1', 'us-west-2'];
    try {
      for (const r of down) await setFault(region(r).adminUrl, 'test', { dependenciesDown: ['database'] });
      for (const r of down) await until(`${r} unhealthy at the edge`, async () => !(await healthy(r)));
      const refused = await crosswind(['chaos', 'invert-health-check', '--region', 'eu-west-1', '--yes'], { cwd: dir, env: QUIET });
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.match(/refused invert-health-check eu-west-1: taking eu-west-1 out would leave 0 healthy region\(s\)/);
      expect(refused.stderr).to.match(/us-east-1: health check \S+ reports unhealthy/);
      const hc = await route53.send(new GetHealthCheckCommand({ HealthCheckId: region('eu-west-1').healthCheckId }));
      expect(hc.HealthCheck?.HealthCheckConfig?.Inverted).to.not.equal(true);
      expect(hc.HealthCheck?.HealthCheckConfig?.Disabled).to.not.equal(true);
    } finally {
      for (const r of down) await clearFault(region(r).adminUrl, 'test');
    }
    for (const r of down) await until(`${r} healthy again`, () => healthy(r));
  });

  it('a forced health check and a sandbox FIS template really take regions out; restore brings them back', async () => {
    const forced = await crosswind(['chaos', 'invert-health-check', '--region', 'us-east-1', '--yes'], { cwd: dir, env: QUIET });
    expect(forced.code, forced.stderr).to.equal(0);
    await until('us-east-1 unhealthy at the edge', async () => !(await healthy('us-east-1')));

    const usw2 = region('us-west-2');
    const started = await crosswind(
      [
        'chaos',
        'start-experiment',
        '--template-id',
        usw2.experimentTemplates['aws:ecs:stop-task'] as string,
        '--region',
        'us-west-2',
        '--yes',
      ],
      { cwd: dir, env: QUIET },
    );
    expect(started.code, started.stderr + started.stdout).to.equal(0);
    await until('us-west-2 unhealthy at the edge (its app stopped by the FIS executor)', async () => !(await healthy('us-west-2')));

    // The last healthy region is protected (the weighted record set comes from the sandbox state).
    const refused = await crosswind(['chaos', 'shift-weight', '--region', 'eu-west-1', '--percent', '0', '--yes'], {
      cwd: dir,
      env: QUIET,
    });
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.include('would leave 0 healthy region(s)');
    expect(refused.stderr).to.match(/refused shift-weight eu-west-1 to 0%/);

    const restored = await crosswind(['restore'], { cwd: dir, env: QUIET });
    expect(restored.code, restored.stderr).to.equal(0);
    expect(restored.stdout).to.include('"undone":2');
    await until('us-east-1 and us-west-2 healthy again', async () => (await healthy('us-east-1')) && (await healthy('us-west-2')));
    const { aws } = sandbox.state;
    const fis = new FisClient({ region: 'us-west-2', endpoint: aws.endpoints.fis, credentials: { ...aws.credentials }, maxAttempts: 2 });
    const experiments = await fis.send(new ListExperimentsCommand({}));
    expect(experiments.experiments?.map((e) => e.state?.status)).to.deep.equal(['stopped']);
    // The sandbox's template is left in place (crosswind did not create it).
    expect(started.stdout).to.include(usw2.experimentTemplates['aws:ecs:stop-task']);

    // A DNS canary step on the sandbox's weighted records, held briefly and undone.
    const canary = await crosswind(['chaos', 'shift-weight', '--region', 'eu-west-1', '--percent', '50', '--hold', '200ms', '--yes'], {
      cwd: dir,
      env: QUIET,
    });
    expect(canary.code, canary.stderr).to.equal(0);
    expect(canary.stdout).to.include('"weights":"us-east-1=100, us-west-2=100, eu-west-1=50"');
    expect(canary.stderr).to.match(/weights of weighted\.app\.\S+ restored to us-east-1=100, us-west-2=100, eu-west-1=100/);
  });
});
