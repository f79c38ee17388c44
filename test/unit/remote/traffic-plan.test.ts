import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import { describeTraffic, trafficPlan, trafficProblems, unstartedRunnerProblems } from '../../../pipelines/remote/traffic-plan.ts';

const config = (runners: Record<string, unknown> = {}) =>
  resolveConfig({
    project: 'shop',
    aws: { accountIds: ['123456789012'] },
    regions: [
      { name: 'us-east-1', endpoint: 'https://use1.example.com' },
      { name: 'eu-west-1', endpoint: 'https://euw1.example.com' },
    ],
    distributed: { runners: { results: { bucket: 'shop-runs' }, startTimeout: '2m', stopTimeout: '1m', ...runners } },
    vantages: [
      { name: 'office', endpoint: 'https://app.example.com' },
      {
        name: 'eu',
        endpoint: 'https://app.example.com',
        runner: { kind: 'ecs', region: 'eu-west-1', cluster: 'runners', subnets: ['subnet-0a1b2c3d'], count: 2 },
      },
      { name: 'k8s', endpoint: 'https://app.example.com', runner: { kind: 'k6-operator', namespace: 'load', parallelism: 1 } },
    ],
  });

describe('the traffic plan: local k6 and remote runners', () => {
  it('gives each runner an execution segment and its share of the rate, and every runner one hard deadline', () => {
    const plan = trafficPlan(config(), { trafficMs: 150_000, ratePerVantage: 10 });
    expect(plan.local).to.deep.equal(['office']);
    expect(plan.remoteVantages).to.deep.equal(['eu', 'k8s']);
    expect(plan.remote.map((r) => [r.id, r.part.index, r.part.count, r.ratePerSecond])).to.deep.equal([
      ['eu-1', 0, 2, 5],
      ['eu-2', 1, 2, 5],
      ['k8s-1', 0, 1, 10],
    ]);
    // k6 runs the traffic plus the longest wait for the others to start; the deadline adds start-up and the last upload.
    expect(plan.runnerDurationMs).to.equal(150_000 + 120_000);
    expect(plan.deadlineAfterMs).to.equal(120_000 + 270_000 + 60_000);
  });

  it('refuses, before anything starts, a rate per runner or a runner life over the configured bounds', () => {
    const c = config({ maxRatePerRunner: 4, maxDuration: '5m' });
    const problems = trafficProblems(c, trafficPlan(c, { trafficMs: 150_000, ratePerVantage: 10 }), 'gameday.ratePerVantage');
    expect(problems).to.deep.equal([
      {
        path: 'gameday.ratePerVantage',
        message:
          'vantage eu: 5 requests/s per runner exceeds distributed.runners.maxRatePerRunner = 4 (raise the runner count or lower the rate)',
      },
      {
        path: 'gameday.ratePerVantage',
        message:
          'vantage k8s: 10 requests/s per runner exceeds distributed.runners.maxRatePerRunner = 4 (raise the runner count or lower the rate)',
      },
      {
        path: 'distributed.runners.maxDuration',
        message: 'the runners would run up to 450 s (start-up 120 s, k6 270 s, last upload 60 s), more than 300 s',
      },
    ]);
    expect(trafficProblems(config(), trafficPlan(config(), { trafficMs: 150_000, ratePerVantage: 10 }), 'x')).to.deep.equal([]);
  });

  it('lists per vantage where it runs, how many runners, its rate and deadline, and what AWS starts', () => {
    const lines = describeTraffic(config(), trafficPlan(config(), { trafficMs: 150_000, ratePerVantage: 10 }));
    expect(lines[0]).to.equal(
      'Traffic: local k6 for office; 3 remote runner(s), each stopping itself 450 s after it starts (k6 270 s); results in s3://shop-runs/crosswind/shop/<run>/',
    );
    expect(lines[1]).to.equal('  eu: ecs in eu-west-1, cluster runners, 2 task(s), 10 req/s, deadline 450 s after start');
    expect(lines[2]).to.equal(
      '    starts: ecs:RunTask x2 of crosswind-runner (Fargate) in eu-west-1, subnets subnet-0a1b2c3d; stopped with ecs:StopTask',
    );
    expect(lines, 'no line promises a k6-operator TestRun that nothing starts').to.have.lengthOf(3);
  });

  it('names, per mode, the vantages on runners that mode does not start', () => {
    const c = config();
    const ecs = 'vantage "eu" runs on ecs in eu-west-1';
    const k8s = 'vantage "k8s" runs on k6-operator in the current context, namespace load';
    const local = (mode: string) =>
      `${mode} runs k6 on this machine only: its traffic would leave from here under that vantage's name; set its runner to local, or measure it with a game day`;
    expect(unstartedRunnerProblems(c, 'probe')).to.deep.equal([
      { path: 'vantages[1].runner', message: `${ecs}, but ${local('probe')}` },
      { path: 'vantages[2].runner', message: `${k8s}, but ${local('probe')}` },
    ]);
    expect(unstartedRunnerProblems(c, 'rollout', ['office', 'k8s']), 'only the vantages the mode drives').to.deep.equal([
      { path: 'vantages[2].runner', message: `${k8s}, but ${local('rollout')}` },
    ]);
    expect(unstartedRunnerProblems(c, 'gameday')).to.deep.equal([
      {
        path: 'vantages[2].runner',
        message: `${k8s}, but gameday starts local k6 and ECS runners only (crosswind k6-operator writes its manifests for you to apply); set its runner to ecs or local`,
      },
    ]);
    expect(unstartedRunnerProblems(c, 'synthetics run', ['office']), 'a local vantage is always driven').to.deep.equal([]);
  });
});
