import { expect } from 'chai';
import { parseFaultSpec, specProblems } from '../../../chaos/fault.ts';
import { FAULT_TAG, templateInput } from '../../../chaos/fis-experiment-fault.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { ConfigError } from '../../../core/errors.ts';

const config = resolveConfig({
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'http://127.0.0.1:9', healthCheckId: 'hc1', setIdentifier: 'use1' },
    { name: 'eu-west-1', endpoint: 'http://127.0.0.1:9' },
  ],
  globalEndpoint: 'http://127.0.0.1:9',
  chaos: {
    experiments: {
      latency: {
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::123456789012:role/fis',
        targets: { Tasks: { resourceType: 'aws:ecs:task', resourceTags: { app: 'shop' } } },
        actions: {
          delay: {
            actionId: 'aws:ecs:task-network-latency',
            duration: '5m',
            parameters: { delayMilliseconds: '200' },
            targets: { Tasks: 'Tasks' },
          },
        },
        stopConditionAlarms: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-errors'],
      },
    },
  },
});

describe('fault specs and FIS templates', () => {
  it('parses command-line faults', () => {
    expect(parseFaultSpec('invert-health-check:us-east-1')).to.deep.equal({ kind: 'invert-health-check', region: 'us-east-1' });
    expect(parseFaultSpec('shift-weight:us-east-1:10')).to.deep.equal({ kind: 'shift-weight', region: 'us-east-1', percent: 10 });
    expect(parseFaultSpec('start-experiment:latency')).to.deep.equal({ kind: 'fis-experiment', template: 'latency' });
    expect(parseFaultSpec('shift-weight:us-east-1')).to.equal('expected shift-weight:<region>:<percent>');
    expect(parseFaultSpec('reboot:x')).to.match(/^unknown fault "reboot"/);
  });

  it('names every problem of a fault for this config before any AWS call', () => {
    const noSwitch = {
      path: 'chaos.switch.roleArn',
      message:
        "expected the IAM role EventBridge Scheduler assumes to undo a Route 53 fault at its deadline, the dead man's switch that lives in AWS (pipelines/iam/crosswind-iam.yml creates it)",
    };
    expect(specProblems({ kind: 'invert-health-check', region: 'eu-west-1' }, config, '--region')).to.deep.equal([
      noSwitch,
      { path: '--region', message: 'region eu-west-1 has no healthCheckId in the config' },
    ]);
    expect(
      specProblems({ kind: 'shift-weight', region: 'us-east-1', percent: 120 }, config, '--percent').map((p) => p.message),
    ).to.deep.equal([noSwitch.message, 'expected a whole percentage 0-100, got 120', 'expected the weighted record set to shift']);
    expect(specProblems({ kind: 'fis-experiment', template: 'nope' }, config, '--template')[0]?.message).to.equal(
      'no experiment template "nope" in chaos.experiments (known: latency)',
    );
  });

  it('builds CreateExperimentTemplate: durations as the duration parameter, alarms as stop conditions, tagged with the fault id', () => {
    const input = templateInput('latency', config.chaos.experiments.latency as never, 'f-1234');
    expect(input.clientToken).to.equal('f-1234');
    expect(input.actions?.delay).to.deep.equal({
      actionId: 'aws:ecs:task-network-latency',
      description: undefined,
      parameters: { delayMilliseconds: '200', duration: 'PT5M' },
      targets: { Tasks: 'Tasks' },
      startAfter: undefined,
    });
    expect(input.targets?.Tasks).to.deep.include({ resourceType: 'aws:ecs:task', resourceTags: { app: 'shop' }, selectionMode: 'ALL' });
    expect(input.stopConditions).to.deep.equal([
      { source: 'aws:cloudwatch:alarm', value: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-errors' },
    ]);
    expect(input.tags).to.deep.include({ [FAULT_TAG]: 'f-1234', 'crosswind:template': 'latency' });
  });

  it('the chaos config section rejects bad templates with paths', () => {
    try {
      resolveConfig({
        project: 'shop',
        aws: { accountIds: ['123456789012'] },
        regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:9' }],
        globalEndpoint: 'http://127.0.0.1:9',
        chaos: {
          minHealthyRegions: 0,
          faultDeadline: 'soon',
          experiments: {
            x: {
              region: 'us-east-1',
              roleArn: 'role',
              targets: {
                T: { resourceType: 'aws:ecs:task' },
                Both: {
                  resourceType: 'aws:ecs:task',
                  resourceArns: ['arn:aws:ecs:us-east-1:123456789012:task/c/t'],
                  resourceTags: { app: 'shop' },
                },
              },
              actions: { a: { actionId: 'stop', duration: 'PT5M' } },
            },
          },
        },
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const paths = (err as ConfigError).problems.map((p) => p.path);
      expect(paths).to.include.members([
        'chaos.minHealthyRegions',
        'chaos.faultDeadline',
        'chaos.experiments.x.roleArn',
        'chaos.experiments.x.targets.T',
        'chaos.experiments.x.targets.Both',
        'chaos.experiments.x.actions.a.actionId',
        'chaos.experiments.x.actions.a.duration',
      ]);
      const both = (err as ConfigError).problems.find((p) => p.path === 'chaos.experiments.x.targets.Both');
      expect(both?.message).to.include('not both');
    }
  });
});
