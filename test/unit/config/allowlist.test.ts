import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import { problemsOf } from '../../support/config-problems.ts';

const valid = {
  project: 'shop',
  aws: { accountIds: ['123456789012'], allowedRegions: ['us-east-1', 'eu-west-1'] },
  regions: [
    { name: 'us-east-1', endpoint: 'https://use1.example.com' },
    { name: 'eu-west-1', endpoint: 'https://euw1.example.com' },
  ],
  globalEndpoint: 'https://api.example.com',
};

const ALLOWED = 'aws.allowedRegions (us-east-1, eu-west-1)';

const experiment = (over: Record<string, unknown> = {}) => ({
  region: 'us-east-1',
  roleArn: 'arn:aws:iam::123456789012:role/fis',
  actions: { wait: { actionId: 'aws:fis:wait', duration: '1m' } },
  ...over,
});

describe('every region field is held to aws.allowedRegions, every ARN to the allowlists', () => {
  it('refuses a probe, alarm, gate, experiment or control region outside the list, each with its path', () => {
    const problems = problemsOf({
      ...valid,
      aws: { ...valid.aws, controlRegion: 'ap-south-1' },
      probe: { cloudwatch: { region: 'eu-central-1' } },
      chaos: {
        stopConditions: { alarms: ['in-control-region', { name: 'far', region: 'sa-east-1' }] },
        experiments: { latency: experiment({ region: 'us-west-2' }) },
      },
      gates: { checks: [{ kind: 'cloudwatch', region: 'ca-central-1', namespace: 'AWS/ApplicationELB', metricName: 'X', bound: 1 }] },
    });
    expect(problems).to.have.members([
      `aws.controlRegion: "ap-south-1" is not in ${ALLOWED}`,
      `probe.cloudwatch.region: "eu-central-1" is not in ${ALLOWED}`,
      `chaos.stopConditions.alarms[1].region: "sa-east-1" is not in ${ALLOWED}`,
      `chaos.experiments.latency.region: "us-west-2" is not in ${ALLOWED}`,
      `gates.checks[0].region: "ca-central-1" is not in ${ALLOWED}`,
    ]);
  });

  it('refuses a region name that is not one, in a cloudwatch gate and in the probe', () => {
    const problems = problemsOf({
      ...valid,
      probe: { cloudwatch: { region: 'not-a-region' } },
      gates: { checks: [{ kind: 'cloudwatch', region: 'not-a-region', namespace: 'AWS/ApplicationELB', metricName: 'X', bound: 1 }] },
    });
    expect(problems).to.have.members([
      'probe.cloudwatch.region: expected an AWS region name like "us-east-1", got "not-a-region"',
      'gates.checks[0].region: expected an AWS region name like "us-east-1", got "not-a-region"',
    ]);
  });

  it('holds the regions and accounts inside ARNs to the lists', () => {
    const problems = problemsOf({
      ...valid,
      chaos: {
        experiments: {
          stop: experiment({
            roleArn: 'arn:aws:iam::999999999999:role/fis',
            stopConditionAlarms: ['arn:aws:cloudwatch:us-west-2:123456789012:alarm:far'],
            targets: {
              Tasks: { resourceType: 'aws:ecs:task', resourceArns: ['arn:aws:ecs:us-east-1:999999999999:task/c/t'] },
            },
            actions: { stop: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'Tasks' } } },
          }),
        },
      },
    });
    expect(problems).to.have.members([
      "chaos.experiments.stop.roleArn: the ARN's account 999999999999 is not in aws.accountIds (123456789012)",
      `chaos.experiments.stop.stopConditionAlarms[0]: the ARN's region "us-west-2" is not in ${ALLOWED}`,
      "chaos.experiments.stop.targets.Tasks.resourceArns[0]: the ARN's account 999999999999 is not in aws.accountIds (123456789012)",
    ]);
  });

  it('without aws.allowedRegions, allows the configured regions and the control region, and says so', () => {
    const c = resolveConfig({ ...valid, aws: { accountIds: ['123456789012'], controlRegion: 'us-west-2' } });
    expect(c.aws.allowedRegions).to.deep.equal(['us-east-1', 'eu-west-1', 'us-west-2']);
    expect(
      problemsOf({ ...valid, aws: { accountIds: ['123456789012'] }, probe: { cloudwatch: { region: 'eu-central-1' } } }),
    ).to.deep.equal([
      'probe.cloudwatch.region: "eu-central-1" is not in the allowed regions (aws.allowedRegions is not set: the configured regions and aws.controlRegion, us-east-1, eu-west-1)',
    ]);
  });

  it('takes every region field inside the list', () => {
    const problems = problemsOf({
      ...valid,
      aws: { ...valid.aws, controlRegion: 'eu-west-1' },
      probe: { cloudwatch: { region: 'us-east-1' } },
      chaos: {
        stopConditions: { alarms: [{ name: 'a', region: 'eu-west-1' }] },
        experiments: { latency: experiment({ stopConditionAlarms: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:a'] }) },
      },
    });
    expect(problems).to.deep.equal([]);
  });
});
