import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { applyConfigLayer, mergeConfigLayer } from '../../../config/layer.ts';
import { loadConfig } from '../../../config/load.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { ConfigError } from '../../../core/errors.ts';
import { configFromSandboxState } from '../../../sandbox/sandbox-config.ts';
import { type SandboxState, writeSandboxState } from '../../../sandbox/state.ts';

const region = (name: string, port: number) => ({
  name,
  endpoint: `http://127.0.0.1:${port}`,
  adminUrl: `http://127.0.0.1:${port + 1}`,
  pid: 10,
  arn: `arn:aws:ecs:${name}:123456789012:task/crosswind-sandbox/x`,
  tags: { 'crosswind:region': name },
  healthCheckId: `hc-${name}`,
  setIdentifier: name,
  target: `${name}.regions.sandbox.crosswind.test`,
  address: '127.0.0.1',
  requestLog: '/tmp/requests.jsonl',
  experimentTemplates: {},
  alarms: [],
  loadBalancer: `app/crosswind-sandbox-${name}/0`,
});

const STATE: SandboxState = {
  version: 1,
  startedAt: 0,
  supervisorPid: 1,
  world: 'loopback',
  moto: { url: 'http://127.0.0.1:5000', pid: 2 },
  aws: {
    accountId: '123456789012',
    controlRegion: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    endpoints: {
      route53: 'http://127.0.0.1:6000',
      fis: 'http://127.0.0.1:6000',
      cloudwatch: 'http://127.0.0.1:5000',
      sts: 'http://127.0.0.1:5000',
      ecs: 'http://127.0.0.1:5000',
      s3: 'http://127.0.0.1:5000',
      scheduler: 'http://127.0.0.1:5000',
    },
  },
  route53: {
    hostedZoneId: 'Z1',
    zoneName: 'z',
    recordName: 'app.z',
    latencyRecordName: 'l',
    weightedRecordName: 'w',
    failoverRecordName: 'f',
  },
  regions: [region('us-east-1', 7000), region('eu-west-1', 7100)],
  vantages: [
    {
      name: 'vantage-eu',
      endpoint: 'http://127.0.0.1:8001',
      nearestRegion: 'eu-west-1',
      latencyMs: {},
      resolverIp: '127.0.100.1',
      subnetId: 'subnet-0e0e0e0e',
    },
    {
      name: 'vantage-us-east',
      endpoint: 'http://127.0.0.1:8000',
      nearestRegion: 'us-east-1',
      latencyMs: {},
      resolverIp: '127.0.100.2',
      subnetId: 'subnet-0a0a0a0a',
    },
  ],
  runners: {
    bucket: 'crosswind-sandbox-runs',
    bucketRegion: 'us-east-1',
    cluster: 'crosswind-runners',
    taskDefinition: 'crosswind-runner',
    container: 'runner',
    taskRoleArn: 'arn:aws:iam::123456789012:role/crosswind-runner',
    timeServer: '127.0.0.1:5123',
    s3Endpoint: 'http://127.0.0.1:5124',
    placements: {
      'vantage-eu': { region: 'eu-west-1', subnetId: 'subnet-0e0e0e0e', securityGroupId: 'sg-0e0e0e0e' },
      'vantage-us-east': { region: 'us-east-1', subnetId: 'subnet-0a0a0a0a', securityGroupId: 'sg-0a0a0a0a' },
    },
  },
  dns: { host: '127.0.0.1', port: 5353 },
  runtimeDir: '/tmp/cw-test',
  groundTruthLog: '/tmp/gt.jsonl',
  metrics: { intervalMs: 0, tableName: 't' },
  timing: { healthIntervalMs: 1000, failureThreshold: 3, healthTimeoutMs: 800, dnsTtlMs: 1500, replicationLagMs: 500 },
  ports: [],
};

describe('sandbox-config: a config filled from a running sandbox', () => {
  it('fills regions, vantages, the global endpoint and AWS settings, and the result validates', () => {
    const config = resolveConfig(mergeConfigLayer({ project: 'shop', sandbox: { state: 'x' } }, configFromSandboxState(STATE)));
    expect(config.regions.map((r) => [r.name, r.endpoint, r.healthCheckId, r.setIdentifier])).to.deep.equal([
      ['us-east-1', 'http://127.0.0.1:7000', 'hc-us-east-1', 'us-east-1'],
      ['eu-west-1', 'http://127.0.0.1:7100', 'hc-eu-west-1', 'eu-west-1'],
    ]);
    expect(config.vantages.map((v) => v.name)).to.deep.equal(['vantage-eu', 'vantage-us-east']);
    expect(config.globalEndpoint).to.equal('http://127.0.0.1:8000');
    expect(config.aws.accountIds).to.deep.equal(['123456789012']);
    expect(config.aws.endpoints).to.deep.equal(STATE.aws.endpoints);
    expect(config.aws.credentials?.accessKeyId).to.equal('testing');
  });

  it('lets explicit config values win, keeps the config region order, and fills what they leave out', () => {
    const merged = mergeConfigLayer(
      {
        project: 'shop',
        aws: { accountIds: ['111111111111', '123456789012'], endpoints: { cloudwatch: 'http://127.0.0.1:9999' } },
        regions: [{ name: 'eu-west-1' }, { name: 'us-east-1', endpoint: 'http://127.0.0.1:1234' }],
        globalEndpoint: 'http://127.0.0.1:4321',
      },
      configFromSandboxState(STATE),
    );
    const config = resolveConfig(merged);
    expect(config.aws.accountIds).to.deep.equal(['111111111111', '123456789012']);
    expect(config.aws.endpoints.cloudwatch).to.equal('http://127.0.0.1:9999');
    expect(config.aws.endpoints.route53).to.equal('http://127.0.0.1:6000');
    expect(config.regions.map((r) => [r.name, r.endpoint])).to.deep.equal([
      ['eu-west-1', 'http://127.0.0.1:7100'],
      ['us-east-1', 'http://127.0.0.1:1234'],
    ]);
    expect(config.globalEndpoint).to.equal('http://127.0.0.1:4321');
  });

  it('places a vantage the config puts on ECS in its own subnet, and points the runners at the results bucket', () => {
    const merged = mergeConfigLayer(
      { project: 'shop', vantages: [{ name: 'vantage-eu', runner: { kind: 'ecs', count: 2 } }, { name: 'vantage-us-east' }] },
      configFromSandboxState(STATE),
    );
    const config = resolveConfig(merged);
    expect(config.vantages.map((v) => [v.name, v.endpoint])).to.deep.equal([
      ['vantage-eu', 'http://127.0.0.1:8001'],
      ['vantage-us-east', 'http://127.0.0.1:8000'],
    ]);
    expect(config.vantages[0]?.runner, 'the ECS placement fills what the config leaves out').to.deep.include({
      kind: 'ecs',
      region: 'eu-west-1',
      cluster: 'crosswind-runners',
      subnets: ['subnet-0e0e0e0e'],
      securityGroups: ['sg-0e0e0e0e'],
      count: 2,
    });
    expect(config.vantages[1]?.runner, 'a vantage that says nothing stays local').to.deep.equal({ kind: 'local' });
    expect(config.distributed.runners.results).to.deep.include({ bucket: 'crosswind-sandbox-runs', region: 'us-east-1' });
    expect(config.distributed.runners.timeServer).to.equal('127.0.0.1:5123');
  });

  it('still reports a region the sandbox does not run as a config problem', () => {
    const merged = mergeConfigLayer({ project: 'shop', regions: [{ name: 'ap-south-1' }] }, configFromSandboxState(STATE));
    expect(() => resolveConfig(merged)).to.throw(ConfigError, /regions\.0\.endpoint|regions\[0\]\.endpoint/);
  });

  it('leaves a config without sandbox.state untouched', async () => {
    const raw = { project: 'shop' };
    expect(await applyConfigLayer(raw, '/nowhere')).to.equal(raw);
  });

  it('loads a config file that names a state file, relative to the current directory; a missing one is a problem at sandbox.state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-sandbox-config-'));
    try {
      await writeFile(join(dir, 'crosswind.config.yaml'), 'project: shop\nsandbox:\n  state: .crosswind/sandbox/state.json\n');
      try {
        await loadConfig({ cwd: dir });
        expect.fail('expected a ConfigError');
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as ConfigError).problems[0]?.path).to.equal('sandbox.state');
      }
      await writeSandboxState(STATE, join(dir, '.crosswind/sandbox/state.json'));
      const { config } = await loadConfig({ cwd: dir });
      expect(config.regions).to.have.length(2);
      expect(config.sandbox.state).to.equal('.crosswind/sandbox/state.json');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
