import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../../../config/load.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { problemsOf } from '../../support/config-problems.ts';

const ecs = (over: Record<string, unknown> = {}) => ({
  kind: 'ecs',
  region: 'eu-west-1',
  cluster: 'crosswind-runners',
  subnets: ['subnet-0a1b2c3d'],
  ...over,
});

const base = (vantages: unknown[], extra: Record<string, unknown> = {}) => ({
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'https://use1.example.com' },
    { name: 'eu-west-1', endpoint: 'https://euw1.example.com' },
  ],
  distributed: { runners: { results: { bucket: 'shop-crosswind-runs' } } },
  vantages,
  ...extra,
});

describe('vantages[].runner', () => {
  it('is local unless the vantage says otherwise, as the word or as a kind', () => {
    const c = resolveConfig(
      base([
        { name: 'a', endpoint: 'https://app.example.com' },
        { name: 'b', endpoint: 'https://app.example.com', runner: 'local' },
        { name: 'c', endpoint: 'https://app.example.com', runner: { kind: 'local' } },
      ]),
    );
    expect(c.vantages.map((v) => v.runner)).to.deep.equal([{ kind: 'local' }, { kind: 'local' }, { kind: 'local' }]);
  });

  it('fills an ECS runner with its defaults: the crosswind-runner task definition, one task, no public IP', () => {
    const c = resolveConfig(base([{ name: 'eu', endpoint: 'https://app.example.com', runner: ecs() }]));
    expect(c.vantages[0]?.runner).to.deep.equal({
      kind: 'ecs',
      region: 'eu-west-1',
      cluster: 'crosswind-runners',
      taskDefinition: 'crosswind-runner',
      container: 'runner',
      subnets: ['subnet-0a1b2c3d'],
      securityGroups: [],
      assignPublicIp: false,
      count: 1,
    });
    expect(c.distributed.runners).to.deep.include({ chunkInterval: 5000, maxRunners: 10, timeServer: '169.254.169.123' });
  });

  it('holds an ECS runner to the allowlists: its region, and its task role\u2019s account', () => {
    expect(
      problemsOf(
        base([
          {
            name: 'ap',
            endpoint: 'https://app.example.com',
            runner: ecs({ region: 'ap-southeast-2', taskRoleArn: 'arn:aws:iam::999999999999:role/crosswind-runner' }),
          },
        ]),
      ),
    ).to.have.members([
      'vantages[0].runner.region: "ap-southeast-2" is not in the allowed regions (aws.allowedRegions is not set: the configured regions and aws.controlRegion, us-east-1, eu-west-1)',
      "vantages[0].runner.taskRoleArn: the ARN's account 999999999999 is not in aws.accountIds (123456789012)",
    ]);
  });

  it('names every malformed field of an ECS runner by its path', () => {
    expect(
      problemsOf(
        base([
          {
            name: 'eu',
            endpoint: 'https://app.example.com',
            runner: ecs({ subnets: ['subnet-x'], securityGroups: ['default'], count: 0 }),
          },
        ]),
      ),
    ).to.have.members([
      'vantages[0].runner.subnets[0]: expected a subnet id like "subnet-0123abcd", got "subnet-x"',
      'vantages[0].runner.securityGroups[0]: expected a security group id like "sg-0123abcd", got "default"',
      'vantages[0].runner.count: Too small: expected number to be >=1, got 0',
    ]);
  });

  it('wants a results bucket as soon as a vantage runs remotely', () => {
    expect(problemsOf({ ...base([{ name: 'eu', endpoint: 'https://app.example.com', runner: ecs() }]), distributed: {} })).to.deep.equal([
      'distributed.runners.results.bucket: expected the S3 bucket remote runners write to (vantages "eu" run remotely)',
    ]);
    expect(
      problemsOf({ ...base([{ name: 'eu', endpoint: 'https://app.example.com' }]), distributed: {} }),
      'all local: no bucket needed',
    ).to.deep.equal([]);
  });

  it('bounds the number of remote runners by distributed.runners.maxRunners', () => {
    const raw = base(
      [
        { name: 'eu', endpoint: 'https://app.example.com', runner: ecs({ count: 3 }) },
        { name: 'k8s', endpoint: 'https://app.example.com', runner: { kind: 'k6-operator', parallelism: 2 } },
      ],
      { distributed: { runners: { results: { bucket: 'shop-crosswind-runs' }, maxRunners: 4 } } },
    );
    expect(problemsOf(raw)).to.deep.equal(['vantages: 5 remote runners (eu: 3, k8s: 2) exceed distributed.runners.maxRunners = 4']);
  });

  it('loads examples/remote-runners.config.yaml: a local vantage and two on ECS', async () => {
    const { config } = await loadConfig({
      path: 'examples/remote-runners.config.yaml',
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    });
    expect(config.vantages.map((v) => [v.name, v.runner.kind, v.runner.kind === 'ecs' ? v.runner.count : 0])).to.deep.equal([
      ['office', 'local', 0],
      ['vantage-eu', 'ecs', 1],
      ['vantage-au', 'ecs', 2],
    ]);
  });
});
