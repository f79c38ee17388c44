import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { endpointsAt } from '../support/aws.ts';
import { crosswind } from '../support/cli.ts';

// Bad flags and bad pipeline config are refused up front: exit 2, one message per problem naming the flag or field,
// and not one call reaches AWS. The "AWS" here is a loopback listener that counts every request it gets.
describe('gameday, rollout and probe refuse bad input before any AWS call', function () {
  this.timeout(60_000);
  let dir: string;
  let server: Server;
  let calls = 0;
  let aws: string;

  before(async () => {
    server = createServer((_req, res) => {
      calls++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    aws = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = await mkdtemp(join(tmpdir(), 'crosswind-flags-'));
    await writeFile(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        aws: {
          accountIds: ['123456789012'],
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
          endpoints: endpointsAt(aws),
        },
        regions: [
          { name: 'us-east-1', endpoint: aws, healthCheckId: 'hc-1' },
          { name: 'eu-west-1', endpoint: aws, healthCheckId: 'hc-2' },
        ],
        globalEndpoint: aws,
        chaos: { switch: { roleArn: 'arn:aws:iam::123456789012:role/crosswind-switch' } },
        rollout: { order: 'lowest-traffic-first', traffic: { 'us-east-1': 10, 'ap-south-1': 2 } },
        gameday: { targetRegion: 'us-west-2' },
      }),
    );
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

  it('rollout: every problem of flags and config at once', async () => {
    const r = await crosswind(['rollout', '--version', 'bad version!', '--from-wave', '0', '--yes'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([
      'error: --version: expected a version of letters, digits, ".", "_", "+", ":" or "-", got "bad version!"',
      'error: --from-wave: expected an integer >= 1, got "0"',
      'error: rollout.traffic.ap-south-1: "ap-south-1" is not a configured region',
      'error: rollout.traffic: order "lowest-traffic-first" needs a traffic figure (or a trafficMetric) for every region; missing: eu-west-1',
      'error: rollout.hooks.deploy: required to roll out (a shell command that deploys $VERSION to $REGION)',
      'error: rollout.hooks.rollback: required to roll out (a shell command that puts $PREVIOUS_VERSION back in $REGION)',
      'error: --previous-version: required when rollout.versionPath is not set (crosswind must know what to roll back to)',
    ]);
    expect(calls).to.equal(0);
  });

  it('rollout: a missing --version is a usage error', async () => {
    const r = await crosswind(['rollout'], { cwd: dir });
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain("required option '--version <version>' not specified");
  });

  it('gameday: an unknown target, from the flag and from the config', async () => {
    const r = await crosswind(['gameday', '--target', 'mars-1', '--yes'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal([
      'error: --target: expected one of the configured regions (us-east-1, eu-west-1), got "mars-1"',
      'error: gameday.targetRegion: "us-west-2" is not a configured region (us-east-1, eu-west-1)',
    ]);
    expect(calls).to.equal(0);
  });

  it('probe: --cycles must be a whole number', async () => {
    const r = await crosswind(['probe', '--cycles', 'many'], { cwd: dir });
    expect(r.code, r.stderr).to.equal(2);
    expect(errors(r.stderr)).to.deep.equal(['error: --cycles: expected an integer >= 0, got "many"']);
    expect(calls).to.equal(0);
  });

  it('--dry-run prints the plan and calls nothing', async () => {
    const r = await crosswind(['rollout', '--version', '2.0.0', '--dry-run', '--config', 'plan.json'], { cwd: dir });
    expect(r.code).to.equal(2);
    await writeFile(
      join(dir, 'plan.json'),
      JSON.stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'] },
        regions: [
          { name: 'us-east-1', endpoint: 'http://127.0.0.1:9' },
          { name: 'eu-west-1', endpoint: 'http://127.0.0.1:9' },
        ],
        globalEndpoint: 'http://127.0.0.1:9',
        rollout: { order: 'lowest-traffic-first', traffic: { 'us-east-1': 10, 'eu-west-1': 2 }, weightSteps: [10, 50, 100] },
        chaos: { weightedRecords: { hostedZoneId: 'Z123', name: 'api.shop.example.com' } },
      }),
    );
    const plan = await crosswind(
      ['rollout', '--version', '2.0.0', '--dry-run', '--from-wave', '2', '--to-wave', '2', '--config', 'plan.json'],
      { cwd: dir },
    );
    expect(plan.code, plan.stderr).to.equal(0);
    expect(plan.stdout.split('\n').slice(0, 3)).to.deep.equal([
      'Rollout plan: version 2.0.0 to 2 region(s), order: lowest-traffic-first',
      '  wave 1  eu-west-1        skipped (--from-wave 2: already deployed)',
      '  wave 2  us-east-1        steady state 30 s -> weight 10% of its own -> deploy (no hook) -> weight 10% (10 s) -> weight 50% (10 s) -> weight 100% (10 s) -> traffic 30 s + gates -> bake 60 s (gates every 10 s) -> approve | rollback + halt (traffic 10)',
    ]);
    const drill = await crosswind(['gameday', '--dry-run', '--config', 'plan.json'], { cwd: dir });
    expect(drill.code, drill.stderr).to.equal(0);
    expect(drill.stdout).to.contain('Game day: take out us-east-1; survivors eu-west-1').and.contain('3. inject');
    expect(calls).to.equal(0);
  });

  // A vantage that names where it runs must be measured from there: a mode that drives only k6 on this machine
  // refuses remote vantages instead of sending their traffic from here under their names, and a game day refuses the
  // runner kind it cannot start yet (k6-operator) instead of failing mid-run. Exit 2, one message per vantage.
  describe('a mode refuses vantages on runners it does not start, before any AWS call', () => {
    before(async () => {
      const config = (rollout: Record<string, unknown>) =>
        JSON.stringify({
          project: 'shop',
          aws: {
            accountIds: ['123456789012'],
            credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
            endpoints: { ...endpointsAt(aws), ecs: aws },
          },
          regions: [
            { name: 'us-east-1', endpoint: aws, healthCheckId: 'hc-1' },
            { name: 'eu-west-1', endpoint: aws, healthCheckId: 'hc-2' },
          ],
          vantages: [
            { name: 'office', endpoint: aws },
            {
              name: 'vantage-eu',
              endpoint: aws,
              runner: { kind: 'ecs', region: 'eu-west-1', cluster: 'runners', subnets: ['subnet-0a1b2c3d'] },
            },
            { name: 'vantage-ap', endpoint: aws, runner: { kind: 'k6-operator', context: 'apac', namespace: 'load' } },
          ],
          distributed: { runners: { results: { bucket: 'shop-runs' } } },
          chaos: {
            weightedRecords: { hostedZoneId: 'Z123', name: 'api.shop.example.com' },
            switch: { roleArn: 'arn:aws:iam::123456789012:role/crosswind-switch' },
          },
          rollout: { hooks: { deploy: 'true', rollback: 'true' }, ...rollout },
          probe: { cloudwatch: { enabled: false } },
        });
      await writeFile(join(dir, 'runners.json'), config({ weightSteps: [50, 100] }));
      await writeFile(join(dir, 'no-canary.json'), config({}));
    });

    const fromHere = (mode: string) => [
      `error: vantages[1].runner: vantage "vantage-eu" runs on ecs in eu-west-1, but ${mode} runs k6 on this machine only: its traffic would leave from here under that vantage's name; set its runner to local, or measure it with a game day`,
      `error: vantages[2].runner: vantage "vantage-ap" runs on k6-operator in context apac, namespace load, but ${mode} runs k6 on this machine only: its traffic would leave from here under that vantage's name; set its runner to local, or measure it with a game day`,
    ];

    it('rollout and probe: every remote vantage named', async () => {
      const rollout = await crosswind(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--yes', '-c', 'runners.json'], {
        cwd: dir,
      });
      expect(rollout.code, rollout.stderr).to.equal(2);
      expect(errors(rollout.stderr)).to.deep.equal(fromHere('rollout'));
      const probe = await crosswind(['probe', '--cycles', '1', '-c', 'runners.json'], { cwd: dir });
      expect(probe.code, probe.stderr).to.equal(2);
      expect(errors(probe.stderr)).to.deep.equal(fromHere('probe'));
      expect(calls, 'requests that reached the AWS and application endpoints').to.equal(0);
    });

    it('rollout without weight steps: its regional probes address regions directly, so remote vantages are no problem', async () => {
      const r = await crosswind(['rollout', '--version', '2.0.0', '--dry-run', '--config', 'no-canary.json'], { cwd: dir });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain('Rollout plan: version 2.0.0 to 2 region(s)');
      expect(calls, 'requests that reached the AWS and application endpoints').to.equal(0);
    });

    it('synthetics run: the vantages it would drive, and none when --vantage picks a local one', async () => {
      const all = await crosswind(['synthetics', 'run', 'global-traffic', '--duration', '2s', '-c', 'runners.json'], { cwd: dir });
      expect(all.code, all.stderr).to.equal(2);
      expect(errors(all.stderr)).to.deep.equal(fromHere('synthetics run'));
      const eu = await crosswind(
        ['synthetics', 'run', 'global-traffic', '--duration', '2s', '--vantage', 'vantage-eu', '-c', 'runners.json'],
        { cwd: dir },
      );
      expect(eu.code, eu.stderr).to.equal(2);
      expect(errors(eu.stderr)).to.deep.equal([fromHere('synthetics run')[0]]);
      expect(calls, 'requests that reached the AWS and application endpoints').to.equal(0);
    });

    it('gameday: starts ECS runners, refuses the k6-operator vantage it cannot start, dry run included', async () => {
      const expected = [
        'error: vantages[2].runner: vantage "vantage-ap" runs on k6-operator in context apac, namespace load, but gameday starts local k6 and ECS runners only (crosswind k6-operator writes its manifests for you to apply); set its runner to ecs or local',
      ];
      for (const args of [
        ['gameday', '--yes', '-c', 'runners.json'],
        ['gameday', '--dry-run', '-c', 'runners.json'],
      ]) {
        const r = await crosswind(args, { cwd: dir });
        expect(r.code, r.stderr).to.equal(2);
        expect(errors(r.stderr), args.join(' ')).to.deep.equal(expected);
      }
      expect(calls, 'requests that reached the AWS and application endpoints').to.equal(0);
    });
  });
});
