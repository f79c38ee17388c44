import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import { listRunFolders } from '../../../chaos/run-folder.ts';
import { endpointsAt } from '../../support/aws.ts';
import { type ChaosWorld, createChaosWorld } from '../../support/chaos-world.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';
import { type RecordingProxy, startRecordingProxy, writeCalls } from '../../support/recording-proxy.ts';

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** GetHealthCheckStatus as Route 53 (or the sandbox edge) answers for a failing endpoint. */
function failingStatus(): string {
  const at = new Date().toISOString();
  const obs = ['us-east-1', 'eu-west-1', 'ap-southeast-1']
    .map(
      (r) =>
        `<HealthCheckObservation><Region>${r}</Region><IPAddress>127.0.0.1</IPAddress><StatusReport><Status>Failure: HTTP Status Code 503, Service Unavailable.</Status><CheckedTime>${at}</CheckedTime></StatusReport></HealthCheckObservation>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><GetHealthCheckStatusResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HealthCheckObservations>${obs}</HealthCheckObservations></GetHealthCheckStatusResponse>`;
}

describe('chaos guardrails against moto', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let world: ChaosWorld | undefined;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    world?.cleanup();
    await proxy?.stop();
    proxy = undefined;
  });

  /** Points the project's config at a recording proxy in front of moto. */
  async function throughProxy(w: ChaosWorld, unhealthy: string[] = []) {
    const ids = new Set(unhealthy.map((r) => w.healthCheckIds[r]));
    proxy = await startRecordingProxy(moto.url, (call) => {
      const m = /^\/2013-04-01\/healthcheck\/([^/]+)\/status$/.exec(call.path);
      return m && ids.has(m[1] as string) ? { status: 200, headers: { 'content-type': 'text/xml' }, body: failingStatus() } : undefined;
    });
    const endpoint = proxy.url;
    writeFileSync(
      w.configFile,
      JSON.stringify({
        ...w.config,
        aws: { ...w.config.aws, endpoints: endpointsAt(endpoint) },
      }),
    );
    return proxy;
  }

  it('refuses to force the third region when two are under open faults, and no write call reaches AWS', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    for (const region of ['us-east-1', 'us-west-2']) {
      const r = await crosswind(['chaos', 'invert-health-check', '--region', region, '--yes'], { cwd: world.dir, env: QUIET });
      expect(r.code, r.stderr).to.equal(0);
    }
    const before = await world.snapshot();
    const p = await throughProxy(world);
    const refused = await crosswind(['chaos', 'invert-health-check', '--region', 'eu-west-1', '--yes'], { cwd: world.dir, env: QUIET });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.match(
      /refused invert-health-check eu-west-1: taking eu-west-1 out would leave 0 healthy region\(s\), fewer than chaos\.minHealthyRegions = 1/,
    );
    expect(refused.stderr).to.include('us-east-1: under an open fault');
    expect(p.calls.length, 'the guardrails read health through the proxy').to.be.greaterThan(0);
    expect(writeCalls(p.calls)).to.deep.equal([]);
    expect(await world.snapshot()).to.deep.equal(before);
    expect(before.healthChecks['eu-west-1']).to.deep.equal({ inverted: false, disabled: false, failureThreshold: 5 });
    // The refused command left no run folder behind: only the two runs that changed something.
    expect(listRunFolders(world.dir)).to.have.length(2);
    const restored = await crosswind(['restore'], { cwd: world.dir, env: QUIET });
    expect(restored.code, restored.stderr).to.equal(0);
  });

  it('refuses when Route 53 reports two regions unhealthy (as the sandbox edge computes it), with no write', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const before = await world.snapshot();
    const p = await throughProxy(world, ['us-east-1', 'us-west-2']);
    const refused = await crosswind(['chaos', 'invert-health-check', '--region', 'eu-west-1', '--yes'], { cwd: world.dir, env: QUIET });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include('would leave 0 healthy region(s)');
    expect(refused.stderr).to.match(/us-east-1: health check \S+ reports unhealthy/);
    expect(p.calls.some((c) => c.path.endsWith('/status'))).to.equal(true);
    expect(writeCalls(p.calls)).to.deep.equal([]);
    expect(await world.snapshot()).to.deep.equal(before);
    // A region that is healthy may still be shifted to 50 %: nothing is taken out.
    const shifted = await crosswind(['chaos', 'shift-weight', '--region', 'eu-west-1', '--percent', '50', '--yes', '--hold', '10ms'], {
      cwd: world.dir,
      env: QUIET,
    });
    expect(shifted.code, shifted.stderr).to.equal(0);
    // The switch in AWS is armed before the shift and disarmed after its undo.
    const normalised = (c: { method: string; path: string }) =>
      `${c.method} ${c.path.replace(/[^/]+\/rrset$/, 'ZONE/rrset').replace(/crosswind-f-[0-9a-f]+(\?.*)?$/, 'crosswind-<fault>')}`;
    expect(writeCalls(p.calls).map(normalised)).to.deep.equal([
      'POST /schedules/crosswind-<fault>',
      'POST /2013-04-01/hostedzone/ZONE/rrset',
      'POST /2013-04-01/hostedzone/ZONE/rrset',
      'DELETE /schedules/crosswind-<fault>',
    ]);
    expect(await world.snapshot()).to.deep.equal(before);
  });

  it('refuses an account and a region the config does not allow, before any write', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const p = await throughProxy(world);
    // No experiment templates: their ARNs name account 123456789012, which the config itself would refuse.
    const cfg = {
      ...world.config,
      aws: { ...world.config.aws, accountIds: ['111111111111'], endpoints: endpointsAt(p.url) },
      chaos: { ...world.config.chaos, experiments: {} },
    };
    writeFileSync(world.configFile, JSON.stringify(cfg));
    const refused = await crosswind(['chaos', 'invert-health-check', '--region', 'us-east-1', '--yes'], { cwd: world.dir, env: QUIET });
    expect(refused.code).to.equal(2);
    expect(refused.stderr).to.include('account 123456789012 is not in aws.accountIds (111111111111)');
    expect(p.calls.some((c) => c.operation === 'GetCallerIdentity')).to.equal(true);
    expect(writeCalls(p.calls)).to.deep.equal([]);

    // An experiment template in a region outside aws.allowedRegions: refused by the config, before any call at all.
    const chaos = world.config.chaos as { experiments: Record<string, { region: string }> };
    const latency = chaos.experiments.latency as { region: string };
    const elsewhere = {
      ...cfg,
      aws: { ...cfg.aws, accountIds: ['123456789012'] },
      chaos: { ...chaos, experiments: { elsewhere: { ...latency, region: 'ap-south-1' } } },
    };
    writeFileSync(world.configFile, JSON.stringify(elsewhere));
    const callsBefore = p.calls.length;
    const outside = await crosswind(['chaos', 'start-experiment', '--template', 'elsewhere', '--yes'], { cwd: world.dir, env: QUIET });
    expect(outside.code).to.equal(2);
    expect(outside.stderr).to.include('error: chaos.experiments.elsewhere.region: "ap-south-1" is not in the allowed regions');
    expect(p.calls.slice(callsBefore), 'no AWS call, not even STS').to.deep.equal([]);
  });

  it('--dry-run prints every change and its undo and calls no write API', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const before = await world.snapshot();
    const p = await throughProxy(world);
    const r = await crosswind(
      [
        'chaos',
        'run',
        '--fault',
        'invert-health-check:us-east-1',
        '--fault',
        'shift-weight:us-west-2:50',
        '--fault',
        'fis-experiment:latency',
        '--dry-run',
      ],
      { cwd: world.dir, env: QUIET },
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include('dry run: would apply invert-health-check us-east-1');
    expect(r.stderr).to.match(/undo: +UpdateHealthCheck \S+ \(us-east-1\): back to Inverted=false, Disabled=false, FailureThreshold=3/);
    expect(r.stderr).to.include('weights us-east-1=60, us-west-2=30, eu-west-1=10 → us-east-1=60, us-west-2=15, eu-west-1=10');
    expect(r.stderr).to.include('StopExperiment (if still running), then DeleteExperimentTemplate "latency" in eu-west-1');
    expect(writeCalls(p.calls)).to.deep.equal([]);
    expect(await world.snapshot()).to.deep.equal(before);
  });

  it('bad flags exit 2 naming the flag, with no AWS call', async () => {
    await moto.reset();
    world = await createChaosWorld(moto);
    const p = await throughProxy(world);
    const r = await crosswind(
      ['chaos', 'run', '--fault', 'shift-weight:ap-south-1:150', '--fault', 'fis-experiment:nope', '--hold', 'soon', '--yes'],
      {
        cwd: world.dir,
        env: QUIET,
      },
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include('--fault[0]: "ap-south-1" is not a configured region');
    expect(r.stderr).to.include('--fault[0]: expected a whole percentage 0-100, got 150');
    expect(r.stderr).to.include('--fault[1]: no experiment template "nope"');
    expect(r.stderr).to.include('--hold: expected a duration');
    expect(p.calls).to.deep.equal([]);
  });
});
