import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListExperimentsCommand, ListExperimentTemplatesCommand } from '@aws-sdk/client-fis';
import { GetHealthCheckCommand, GetHealthCheckStatusCommand, ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { expect } from 'chai';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { motoClients, sandboxRoute53 } from '../support/aws.ts';
import { spawnCli } from '../support/child.ts';
import { BIN, crosswind } from '../support/cli.ts';
import { processToken, survivorsAfter, TOKEN_VAR } from '../support/processes.ts';
import { writeSandboxProject } from '../support/sandbox-project.ts';
import { until } from '../support/until.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const KILLS = 20;

interface Scenario {
  name: string;
  args: string[];
  /** About how long the run goes on after its first change is announced: kills land uniformly within that. */
  afterFirstChangeMs: number;
}

// 20 SIGKILLs at random moments of game days (a forced health check, an FIS experiment) and of rollouts (weight steps,
// a deploy), drawn uniformly over the time from the run's first announced change to its end, each followed by `crosswind restore --all`: every world must equal its state before the run (health
// checks, weights, FIS experiments and templates, the switches in EventBridge Scheduler, each region's version), and
// no process the killed crosswind started may outlive it by a second.
describe('random kills: 20 SIGKILLs of game days and rollouts, each followed by crosswind restore --all', function () {
  this.timeout(900_000);
  let sandbox: SandboxHandle;
  let dir: string;
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-random-kills-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0', timing: { dnsTtlMs: 10_000 } });
    const deploy = `"${BIN}" sandbox deploy --state "${state}" --region "$REGION"`;
    await writeSandboxProject(dir, state, regions, {
      chaos: { stopConditions: { pollInterval: 1000, maxErrorRate: 0.5 } },
      gameday: {
        targetRegion: 'us-east-1',
        ratePerVantage: 20,
        phases: [
          { kind: 'baseline', duration: '6s' },
          { kind: 'inject' },
          { kind: 'observe', duration: '6s' },
          { kind: 'restore' },
          { kind: 'verify-rebalance', duration: '4s', tolerance: 0.5 },
        ],
      },
      rollout: {
        order: 'config',
        hooks: { deploy: `${deploy} --version "$VERSION"`, rollback: `${deploy} --version "$PREVIOUS_VERSION"` },
        versionPath: '/version',
        weightSteps: [10, 50],
        weightStepDuration: '3s',
        trafficDuration: '3s',
        bakeDuration: '3s',
        bakeInterval: '3s',
        rate: 40,
        // A steady state shown by 3 s at 40 a second: 120 clean requests bound errors under 5 %, p(95) needs 59.
        maxLatencyMs: 1000,
        latencyPercentile: 95,
        maxErrorRate: 0.05,
        minSamples: 40,
      },
    });
    const west = sandbox.state.regions.find((r) => r.name === 'us-west-2');
    const fis = JSON.parse(await readFile(join(dir, 'crosswind.config.json'), 'utf8'));
    fis.gameday.targetRegion = 'us-west-2';
    fis.gameday.phases[1] = {
      kind: 'inject',
      faults: [{ kind: 'fis-experiment', template: west?.experimentTemplates['aws:ecs:stop-task'] }],
    };
    await writeFile(join(dir, 'fis.json'), JSON.stringify(fis));
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Everything a run may change, as AWS (moto behind the sandbox) and the region apps report it. */
  async function world() {
    const { aws } = sandbox.state;
    const route53 = sandboxRoute53(aws);
    const { scheduler } = motoClients({ url: aws.endpoints.scheduler });
    const health = await Promise.all(
      sandbox.state.regions.map(async (r) => {
        const c = (await route53.send(new GetHealthCheckCommand({ HealthCheckId: r.healthCheckId }))).HealthCheck?.HealthCheckConfig;
        return `${r.name} inverted=${c?.Inverted ?? false} disabled=${c?.Disabled ?? false} threshold=${c?.FailureThreshold}`;
      }),
    );
    const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: sandbox.state.route53.hostedZoneId }));
    const weights = (records.ResourceRecordSets ?? [])
      .filter((r) => r.Weight !== undefined)
      .map((r) => `${r.Name} ${r.SetIdentifier}=${r.Weight}`)
      .sort();
    const experiments: string[] = [];
    const templates: string[] = [];
    for (const region of regions) {
      const { fis } = motoClients({ url: aws.endpoints.fis }, region);
      for (const e of (await fis.send(new ListExperimentsCommand({}))).experiments ?? [])
        if (!['completed', 'stopped', 'failed', 'cancelled'].includes(e.state?.status ?? ''))
          experiments.push(`${region} ${e.id} ${e.state?.status}`);
      for (const t of (await fis.send(new ListExperimentTemplatesCommand({}))).experimentTemplates ?? [])
        templates.push(`${region} ${t.id}`);
    }
    const schedules = ((await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? []).map((s) => s.Name);
    const versions = await Promise.all(
      sandbox.state.regions.map(
        async (r) => `${r.name} ${((await (await fetch(new URL('/version', r.endpoint))).json()) as { version: string }).version}`,
      ),
    );
    route53.destroy();
    return { health, weights, experiments, templates: templates.sort(), schedules, versions };
  }

  async function allHealthyAtTheEdge(): Promise<boolean> {
    const route53 = sandboxRoute53(sandbox.state.aws);
    try {
      for (const r of sandbox.state.regions) {
        const obs = (await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: r.healthCheckId }))).HealthCheckObservations ?? [];
        if (!obs.every((o) => o.StatusReport?.Status?.startsWith('Success'))) return false;
      }
      return true;
    } finally {
      route53.destroy();
    }
  }

  it('20 of 20 worlds equal their state before the run, and no process of a killed run survives it by 1 s', async () => {
    const scenarios: Scenario[] = [
      { name: 'game day, health check forced', args: ['gameday', '--yes', '--no-progress'], afterFirstChangeMs: 14_000 },
      { name: 'game day, FIS stop-task', args: ['gameday', '--config', 'fis.json', '--yes', '--no-progress'], afterFirstChangeMs: 14_000 },
      {
        name: 'rollout, weight steps and a deploy',
        args: ['rollout', '--version', '2.0.0', '--to-wave', '1', '--yes'],
        afterFirstChangeMs: 14_000,
      },
    ];
    const before = await world();
    expect(before.versions, 'every region on 1.0.0 at first').to.deep.equal(regions.map((r) => `${r} 1.0.0`));
    const results: string[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const scenario = scenarios[(kill - 1) % scenarios.length] as Scenario;
      let windowMs = scenario.afterFirstChangeMs;
      let killedAt: string | undefined;
      for (let attempt = 1; killedAt === undefined; attempt++) {
        expect(attempt, `${scenario.name}: the run kept ending before its kill`).to.be.at.most(4);
        const token = processToken();
        const child = spawnCli(scenario.args, { cwd: dir, env: { ...QUIET, CROSSWIND_CHECKPOINTS: '1', [TOKEN_VAR]: token } });
        // The moment is drawn from the time the run's first change is announced: a kill before it has nothing to undo.
        const changing = await child.waitFor(/^checkpoint \d+ intent-written$/, 90_000).then(
          () => Date.now(),
          () => undefined,
        );
        const atMs = Math.round(Math.random() * windowMs);
        const ended = changing === undefined || (await Promise.race([child.exited.then(() => true), sleep(atMs).then(() => false)]));
        if (ended) {
          // The run finished first: put back what a finished run may keep (an approved deploy), and draw again, sooner.
          await child.exited;
          if (changing !== undefined) windowMs = Math.max(500, Math.round((Date.now() - changing) * 0.8));
          for (const r of regions)
            await crosswind(['sandbox', 'deploy', '--state', join(dir, 'state.json'), '--region', r, '--version', '1.0.0']);
          continue;
        }
        const last = child
          .stderr()
          .split('\n')
          .filter((l) => l.startsWith('checkpoint '))
          .at(-1);
        child.child.signal('SIGKILL');
        await child.exited;
        killedAt = `${atMs} ms after the first change (last step: ${last})`;
        expect(await survivorsAfter(token, 1000), `${scenario.name} killed ${killedAt}: its processes 1 s later`).to.deep.equal([]);
      }
      const restore = await crosswind(['restore', '--all'], { cwd: dir, env: QUIET, timeoutMs: 120_000 });
      expect(restore.code, `kill ${kill} (${scenario.name} killed ${killedAt}): restore\n${restore.stderr}`).to.equal(0);
      expect(await world(), `kill ${kill} (${scenario.name} killed ${killedAt}): the world after restore`).to.deep.equal(before);
      await until('every region healthy at the edge again', allHealthyAtTheEdge, 30_000, 250);
      results.push(`${kill}: ${scenario.name} killed ${killedAt}, world restored`);
    }
    console.log(results.map((r) => `      ${r}`).join('\n'));
    expect(results, 'worlds restored').to.have.length(KILLS);
  });
});
