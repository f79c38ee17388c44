import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { endpointsAt } from '../support/aws.ts';
import { ALARM, type ChaosWorld, createChaosWorld } from '../support/chaos-world.ts';
import { crosswind } from '../support/cli.ts';
import { useMoto } from '../support/moto.ts';
import { type RecordedCall, startRecordingProxy, writeCalls } from '../support/recording-proxy.ts';

// Bad configs and flags, tried as a new user would, in every mode, against an AWS whose every connection is recorded
// (a recording proxy in front of moto holding a real multi-region setup). Each must exit 2 with a message naming the
// field or flag, write nothing (no run folder, no hook run), and reach AWS only as far as its kind allows:
// - `none`: refused by validation: not one connection;
// - `account`: refused by the account check: STS GetCallerIdentity only;
// - `reads`: refused by preflight: the account check and read-only lookups, never a write.

type Config = Record<string, unknown> & { aws: Record<string, unknown>; chaos: Record<string, unknown> };

interface Case {
  name: string;
  args: string[];
  /** The path the first problem names. */
  path: string;
  reach: 'none' | 'account' | 'reads';
  config?: (c: Config) => Config;
  /** Instead of the JSON config: files to write into the project (name → content). */
  files?: (project: string) => Record<string, string>;
}

const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const CHAOS = ['chaos', 'invert-health-check', '--region', 'us-east-1', '--yes'];
const EXPERIMENT = ['chaos', 'start-experiment', '--template', 'latency', '--yes'];
const GAMEDAY = ['gameday', '--yes', '--no-progress'];
const ROLLOUT = ['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--yes'];
const PROBE = ['probe', '--cycles', '1'];
const GATE = ['gate', '--results', 'points.ndjson'];

const chaos = (c: Config, over: Record<string, unknown>): Config => ({ ...c, chaos: { ...c.chaos, ...over } });
const aws = (c: Config, over: Record<string, unknown>): Config => ({ ...c, aws: { ...c.aws, ...over } });
const experiment = (c: Config, over: Record<string, unknown>): Config => {
  const all = c.chaos.experiments as Record<string, Record<string, unknown>>;
  return chaos(c, { experiments: { ...all, latency: { ...all.latency, ...over } } });
};
/** Another account: its ARNs would be refused by the config, so the templates go, and the STS check refuses. */
const otherAccount = (c: Config): Config => aws(chaos(c, { experiments: {} }), { accountIds: ['999999999999'] });
const cloudwatchGate =
  (region: string) =>
  (c: Config): Config => ({
    ...c,
    gates: { checks: [{ kind: 'cloudwatch', region, namespace: 'AWS/ApplicationELB', metricName: 'HTTPCode_Target_5XX_Count', bound: 0 }] },
  });
const drill =
  (faults: unknown[]) =>
  (c: Config): Config => ({
    ...c,
    gameday: {
      phases: [{ kind: 'baseline', duration: '1s' }, { kind: 'inject', faults }, { kind: 'observe', duration: '1s' }, { kind: 'restore' }],
    },
  });

const CASES: Case[] = [
  // Durations: one grammar, positive everywhere.
  {
    name: 'chaos.faultDeadline: 0',
    args: CHAOS,
    path: 'chaos.faultDeadline',
    reach: 'none',
    config: (c) => chaos(c, { faultDeadline: 0 }),
  },
  {
    name: 'pollInterval: 0s',
    args: GAMEDAY,
    path: 'chaos.stopConditions.pollInterval',
    reach: 'none',
    config: (c) => chaos(c, { stopConditions: { alarms: [ALARM], pollInterval: '0s' } }),
  },
  {
    name: 'experimentInterval: 0',
    args: EXPERIMENT,
    path: 'chaos.poll.experimentInterval',
    reach: 'none',
    config: (c) => chaos(c, { poll: { experimentInterval: 0 } }),
  },
  {
    name: 'bakeDuration: -1m',
    args: ROLLOUT,
    path: 'rollout.bakeDuration',
    reach: 'none',
    config: (c) => ({ ...c, rollout: { ...(c.rollout as object), bakeDuration: '-1m' } }),
  },
  {
    name: 'cycleDuration: 0ms',
    args: PROBE,
    path: 'probe.cycleDuration',
    reach: 'none',
    config: (c) => ({ ...c, probe: { cycleDuration: '0ms' } }),
  },
  {
    name: 'faultDeadline: 30d',
    args: CHAOS,
    path: 'chaos.faultDeadline',
    reach: 'none',
    config: (c) => chaos(c, { faultDeadline: '30d' }),
  },
  {
    name: 'FIS action duration PT5M',
    args: EXPERIMENT,
    path: 'chaos.experiments.latency.actions.delay.duration',
    reach: 'none',
    config: (c) =>
      experiment(c, { actions: { delay: { actionId: 'aws:ecs:task-network-latency', duration: 'PT5M', targets: { Tasks: 'Tasks' } } } }),
  },
  {
    name: 'phase duration "soon"',
    args: GAMEDAY,
    path: 'gameday.phases[0].duration',
    reach: 'none',
    config: (c) => ({ ...c, gameday: { phases: [{ kind: 'baseline', duration: 'soon' }] } }),
  },
  { name: '--hold soon', args: [...CHAOS, '--hold', 'soon'], path: '--hold', reach: 'none' },
  // Regions: every region field against aws.allowedRegions.
  {
    name: 'probe.cloudwatch.region outside',
    args: PROBE,
    path: 'probe.cloudwatch.region',
    reach: 'none',
    config: (c) => ({ ...c, probe: { cloudwatch: { region: 'eu-central-1' } } }),
  },
  {
    name: 'controlRegion outside',
    args: PROBE,
    path: 'aws.controlRegion',
    reach: 'none',
    config: (c) => aws(c, { controlRegion: 'ap-south-1', allowedRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] }),
  },
  {
    name: 'alarm region outside',
    args: GAMEDAY,
    path: 'chaos.stopConditions.alarms[0].region',
    reach: 'none',
    config: (c) => chaos(c, { stopConditions: { alarms: [{ name: ALARM, region: 'sa-east-1' }] } }),
  },
  {
    name: 'cloudwatch gate region outside',
    args: GATE,
    path: 'gates.checks[0].region',
    reach: 'none',
    config: cloudwatchGate('ap-south-1'),
  },
  {
    name: 'cloudwatch gate region not-a-region',
    args: GATE,
    path: 'gates.checks[0].region',
    reach: 'none',
    config: cloudwatchGate('not-a-region'),
  },
  {
    name: 'experiment region outside',
    args: EXPERIMENT,
    path: 'chaos.experiments.latency.region',
    reach: 'none',
    config: (c) => experiment(c, { region: 'ap-south-1' }),
  },
  {
    name: 'configured region not allowed',
    args: GAMEDAY,
    path: 'regions[1].name',
    reach: 'none',
    config: (c) => aws(c, { allowedRegions: ['us-east-1', 'eu-west-1'] }),
  },
  {
    name: 'role ARN of another account',
    args: EXPERIMENT,
    path: 'chaos.experiments.latency.roleArn',
    reach: 'none',
    config: (c) => experiment(c, { roleArn: 'arn:aws:iam::999999999999:role/fis' }),
  },
  {
    name: 'target ARN in another region',
    args: EXPERIMENT,
    path: 'chaos.experiments.latency.targets.Tasks.resourceArns[0]',
    reach: 'none',
    config: (c) =>
      experiment(c, {
        targets: { Tasks: { resourceType: 'aws:ecs:task', resourceArns: ['arn:aws:ecs:ap-south-1:123456789012:task/shop/abc'] } },
      }),
  },
  {
    name: 'region that is not one',
    args: GAMEDAY,
    path: 'regions[0].name',
    reach: 'none',
    config: (c) => ({ ...c, regions: [{ ...(c.regions as object[])[0], name: 'mars-1' }, ...(c.regions as object[]).slice(1)] }),
  },
  { name: '--target mars-1', args: [...GAMEDAY, '--target', 'mars-1'], path: '--target', reach: 'none' },
  { name: '--template nope', args: ['chaos', 'start-experiment', '--template', 'nope', '--yes'], path: '--template', reach: 'none' },
  // The account, before any write or hook, in every mode.
  { name: 'another account: probe', args: PROBE, path: 'aws.accountIds', reach: 'account', config: otherAccount },
  { name: 'another account: rollout', args: ROLLOUT, path: 'aws.accountIds', reach: 'account', config: otherAccount },
  { name: 'another account: gameday', args: GAMEDAY, path: 'aws.accountIds', reach: 'account', config: otherAccount },
  { name: 'another account: chaos', args: CHAOS, path: 'aws.accountIds', reach: 'account', config: otherAccount },
  { name: 'account id of 2 digits', args: CHAOS, path: 'aws.accountIds[0]', reach: 'none', config: (c) => aws(c, { accountIds: ['12'] }) },
  // Preflight: everything a drill or rollout touches, before the first change.
  {
    name: 'second fault names a missing template',
    args: GAMEDAY,
    path: 'gameday.phases[1].faults[1].template',
    reach: 'reads',
    config: drill([{ kind: 'invert-health-check' }, { kind: 'fis-experiment', template: 'latncy' }]),
  },
  {
    name: 'health check that does not exist',
    args: GAMEDAY,
    path: 'regions[2].healthCheckId',
    reach: 'reads',
    config: (c) => ({
      ...c,
      regions: (c.regions as Record<string, unknown>[]).map((r, i) => (i === 2 ? { ...r, healthCheckId: 'hc-missing' } : r)),
    }),
  },
  {
    name: 'stop alarm that does not exist',
    args: GAMEDAY,
    path: 'chaos.stopConditions.alarms[0]',
    reach: 'reads',
    config: (c) => chaos(c, { stopConditions: { alarms: ['no-such-alarm'] } }),
  },
  {
    name: 'deploy hook script missing',
    args: ROLLOUT,
    path: 'rollout.hooks.deploy',
    reach: 'reads',
    config: (c) => ({ ...c, rollout: { hooks: { deploy: './deploy.sh "$REGION"', rollback: 'true' } } }),
  },
  {
    name: 'rollback hook not on PATH',
    args: ROLLOUT,
    path: 'rollout.hooks.rollback',
    reach: 'reads',
    config: (c) => ({ ...c, rollout: { hooks: { deploy: 'true', rollback: 'kubctl rollout undo' } } }),
  },
  {
    name: 'weighted record missing',
    args: ROLLOUT,
    path: 'regions[1].setIdentifier',
    reach: 'reads',
    config: (c) => ({
      ...c,
      regions: (c.regions as Record<string, unknown>[]).map((r, i) => (i === 1 ? { ...r, setIdentifier: 'nope' } : r)),
      rollout: { ...(c.rollout as object), weightSteps: [10, 100] },
    }),
  },
  // Config files and credentials.
  {
    name: 'credentials as one string',
    args: CHAOS,
    path: 'aws.credentials',
    reach: 'none',
    config: (c) => aws(c, { credentials: 'AKIAIOSFODNN7EXAMPL3:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEK3Y' }),
  },
  {
    name: 'a folder as --config',
    args: [...GAMEDAY, '--config', 'configs'],
    path: '',
    reach: 'none',
    files: () => ({ 'configs/.keep': '' }),
  },
  {
    name: 'a TS config that throws',
    args: GAMEDAY,
    path: '',
    reach: 'none',
    files: () => ({ 'crosswind.config.ts': "throw new Error('no stage');\nexport default {};\n" }),
  },
  {
    name: 'a YAML config over 1 MB',
    args: PROBE,
    path: '',
    reach: 'none',
    files: () => ({
      'crosswind.config.yaml': `project: shop\nregions:\n${'  - { name: us-east-1, endpoint: "http://127.0.0.1:9" }\n'.repeat(20_000)}`,
    }),
  },
  {
    name: 'unknown field',
    args: ROLLOUT,
    path: 'rollout.bake',
    reach: 'none',
    config: (c) => ({ ...c, rollout: { ...(c.rollout as object), bake: '1m' } }),
  },
  { name: '--version with a space', args: ['rollout', '--version', 'bad version', '--yes'], path: '--version', reach: 'none' },
];

/** The calls a case may make at most, by how far its refusal lets it reach. */
function allowed(reach: Case['reach'], calls: RecordedCall[]): RecordedCall[] {
  if (reach === 'none') return calls;
  if (reach === 'account') return calls.filter((c) => c.operation !== 'GetCallerIdentity');
  return writeCalls(calls);
}

describe('bad configs and flags never reach AWS, never write, never run a hook (a recorded AWS)', function () {
  this.timeout(600_000);
  const moto = useMoto();
  let world: ChaosWorld;
  let dir: string;

  before(async () => {
    world = await createChaosWorld(moto);
    dir = await mkdtemp(join(tmpdir(), 'crosswind-bad-input-'));
  });
  after(async () => {
    world?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function attempt(c: Case, i: number) {
    const project = join(dir, `case-${i}`);
    await mkdir(project);
    const proxy = await startRecordingProxy(moto.url);
    try {
      const endpoints = endpointsAt(proxy.url);
      const marker = join(project, 'hook-ran');
      const base = {
        ...(world.config as Config),
        aws: { ...(world.config.aws as Record<string, unknown>), endpoints },
        rollout: { hooks: { deploy: `touch ${marker}`, rollback: `touch ${marker}` } },
      } as Config;
      await writeFile(join(project, 'points.ndjson'), '');
      if (c.files) {
        for (const [name, text] of Object.entries(c.files(project))) {
          await mkdir(join(project, name, '..'), { recursive: true });
          await writeFile(join(project, name), text);
        }
      } else {
        await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(c.config ? c.config(base) : base));
      }
      // A command that is not refused may run on (a drill, a probe): it is cut off, and counted as not refused.
      const r = await crosswind(c.args, { cwd: project, env: QUIET, timeoutMs: 60_000 }).catch((err: Error) => ({
        code: null,
        stdout: '',
        stderr: err.message,
      }));
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
      const runs = join(project, '.crosswind', 'runs');
      return {
        code: r.code,
        stderr: r.stderr,
        named: errors.some((l) => (c.path === '' ? /error: \/\S+ /.test(l) : l.startsWith(`error: ${c.path}: `))),
        calls: [...proxy.calls],
        runFolders: existsSync(runs) ? readdirSync(runs).length : 0,
        hookRan: existsSync(marker),
      };
    } finally {
      await proxy.stop();
    }
  }

  it('restore refuses to undo with credentials for another account, and undoes once they are right', async () => {
    const project = join(dir, 'restore');
    await mkdir(project);
    const proxy = await startRecordingProxy(moto.url);
    try {
      const right = {
        ...(world.config as Config),
        aws: {
          ...(world.config.aws as Record<string, unknown>),
          endpoints: endpointsAt(proxy.url),
        },
      } as Config;
      await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(right));
      const applied = await crosswind(CHAOS, { cwd: project, env: QUIET });
      expect(applied.code, applied.stderr).to.equal(0);
      await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(otherAccount(right)));
      const from = proxy.calls.length;
      const refused = await crosswind(['restore'], { cwd: project, env: QUIET });
      expect(refused.code, refused.stderr).to.equal(2);
      expect(refused.stderr).to.contain('error: aws.accountIds: account 123456789012 is not in aws.accountIds (999999999999)');
      expect(proxy.calls.slice(from).map((c) => c.operation ?? `${c.method} ${c.path}`)).to.deep.equal(['GetCallerIdentity']);
      await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(right));
      const restored = await crosswind(['restore'], { cwd: project, env: QUIET });
      expect(restored.code, restored.stderr).to.equal(0);
      expect(JSON.parse(restored.stdout.trim().split('\n').pop() as string)).to.include({ undone: 1, failed: 0 });
    } finally {
      await proxy.stop();
    }
  });

  it('refuses every one with exit 2 and its path, and nothing reaches further than its kind allows', async () => {
    const outcomes: Awaited<ReturnType<typeof attempt>>[] = [];
    // Three at a time: each is a whole CLI process.
    for (let i = 0; i < CASES.length; i += 3) {
      outcomes.push(...(await Promise.all(CASES.slice(i, i + 3).map((c, j) => attempt(c, i + j)))));
    }
    const failures: string[] = [];
    CASES.forEach((c, i) => {
      const o = outcomes[i] as (typeof outcomes)[number];
      const beyond = allowed(c.reach, o.calls);
      if (o.code !== 2) failures.push(`${c.name}: exit ${o.code}\n${o.stderr}`);
      if (!o.named) failures.push(`${c.name}: no error naming ${c.path || 'the file'}\n${o.stderr}`);
      if (beyond.length)
        failures.push(`${c.name}: AWS calls beyond ${c.reach}: ${beyond.map((x) => x.operation ?? `${x.method} ${x.path}`).join(', ')}`);
      if (writeCalls(o.calls).length) failures.push(`${c.name}: AWS writes`);
      if (o.runFolders) failures.push(`${c.name}: ${o.runFolders} run folder(s) written`);
      if (o.hookRan) failures.push(`${c.name}: a hook ran`);
    });
    const refused = outcomes.filter((o) => o.code === 2 && o.named).length;
    const calls = outcomes.flatMap((o) => o.calls);
    console.log(
      `      bad inputs tried: ${CASES.length}; refused with exit 2 and a path: ${refused}; AWS calls seen: ${calls.length} ` +
        `(${calls.filter((c) => c.operation === 'GetCallerIdentity').length} GetCallerIdentity, ${writeCalls(calls).length} writes)`,
    );
    expect(failures).to.deep.equal([]);
    expect(outcomes.filter((o, i) => CASES[i]?.reach === 'none' && o.calls.length === 0)).to.have.length(
      CASES.filter((c) => c.reach === 'none').length,
    );
  });
});
