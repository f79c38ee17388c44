import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { SANDBOX_ACTIONS } from '../../../sandbox/fis-actions.ts';
import { derivePermissions, passRole, sourceFacts } from '../../support/aws-calls.ts';
import { REPO } from '../../support/cli.ts';
import {
  comparePermissions,
  describeDiff,
  FIS_ACTION_PERMISSIONS,
  fisActionIds,
  grantedPermissions,
  IAM_TEMPLATE_PATH,
  parseTemplate,
  readIamTemplate,
  resourceStatements,
} from '../../support/iam-template.ts';

// The IAM policies crosswind ships must allow exactly the AWS calls its code makes, mode by mode. The calls are read
// from the code (the SDK commands each file imports, followed through the imports of each mode's commands), so an AWS
// call added anywhere a mode reaches fails here until its policy in pipelines/iam/crosswind-iam.yml allows it.

/** Each way crosswind runs against an account: the commands it runs and the managed policy the role running it gets. */
const MODES = [
  {
    mode: 'crosswind gameday, chaos and restore',
    policy: 'GameDayPolicy',
    entries: ['cli/commands/gameday.ts', 'cli/commands/chaos.ts', 'cli/commands/restore.ts'],
  },
  { mode: 'crosswind rollout and gate', policy: 'RolloutPolicy', entries: ['cli/commands/rollout.ts', 'cli/commands/gate.ts'] },
  { mode: 'crosswind probe', policy: 'ProbePolicy', entries: ['cli/commands/probe.ts'] },
  { mode: 'crosswind runner (a remote vantage\u2019s task)', policy: 'RunnerTaskRole', entries: ['cli/commands/runner.ts'] },
];

/** Commands that call no AWS API. One that starts to must join a mode above (and its policy). */
const NO_AWS = ['cli/commands/config-check.ts', 'cli/commands/k6-operator.ts', 'cli/commands/report.ts', 'cli/commands/synthetics.ts'];

/** The local world: its calls go to the sandbox's own moto on loopback, never to an account, so no policy covers them. */
const LOCAL = ['cli/commands/sandbox.ts'];

const template = readIamTemplate();

describe('IAM policies', () => {
  describe('derived from the code', () => {
    it('reads the AWS calls the code makes, through the imports of each mode', () => {
      // A reader that found nothing would let every policy pass: make sure it sees calls deep in the roles.
      const gameday = derivePermissions(['cli/commands/gameday.ts']).needed;
      expect(gameday.get('route53:UpdateHealthCheck'), 'UpdateHealthCheck, two imports away').to.deep.equal([
        'chaos/health-check-fault.ts UpdateHealthCheck',
      ]);
      expect(gameday.get(passRole('fis.amazonaws.com')), 'the role CreateExperimentTemplate passes').to.deep.equal([
        'chaos/fis-experiment-fault.ts CreateExperimentTemplate',
      ]);
      expect(gameday.size, 'permissions a game day needs').to.be.greaterThan(10);
      expect(derivePermissions(['cli/commands/probe.ts']).needed.has('cloudwatch:PutMetricData'), 'the probe publishes').to.equal(true);
    });

    it('attributes every command to a mode, to no AWS at all, or to the local sandbox', () => {
      const commands = readdirSync(join(REPO, 'cli/commands'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `cli/commands/${f}`);
      const attributed = [...MODES.flatMap((m) => m.entries), ...NO_AWS, ...LOCAL];
      expect(
        commands.filter((c) => !attributed.includes(c)),
        'commands no mode lists: add each to MODES (with its policy), NO_AWS or LOCAL in this test',
      ).to.deep.equal([]);
      expect(
        attributed.filter((c) => !commands.includes(c)),
        'entries naming a command that is gone',
      ).to.deep.equal([]);
    });

    it('finds only calls it can name', () => {
      const all = [...MODES.flatMap((m) => m.entries), ...NO_AWS];
      expect(derivePermissions(all).unreadable, 'AWS SDK uses the reader cannot turn into IAM actions').to.deep.equal([]);
    });

    it('finds no AWS call in the commands that make none', () => {
      for (const command of NO_AWS) {
        const { needed } = derivePermissions([command]);
        expect(
          [...needed].map(([p, calls]) => `${p} (${calls.join('; ')})`),
          `${command} now calls AWS: move it from NO_AWS to a mode in this test and allow the calls in that mode's policy in ${IAM_TEMPLATE_PATH}`,
        ).to.deep.equal([]);
      }
    });
  });

  for (const { mode, policy, entries } of MODES) {
    it(`${policy} allows exactly what ${mode} calls`, () => {
      const { needed } = derivePermissions(entries);
      const granted = grantedPermissions(resourceStatements(template, policy));
      expect(describeDiff(mode, entries, policy, comparePermissions(needed, granted))).to.deep.equal([]);
    });
  }

  it('scopes a statement the same way wherever the policies repeat it', () => {
    const bySid = new Map<string, { policy: string; text: string }>();
    const differing: string[] = [];
    for (const { policy } of MODES) {
      for (const s of resourceStatements(template, policy)) {
        if (!s.Sid) continue;
        const text = JSON.stringify(s);
        const seen = bySid.get(s.Sid);
        if (seen && seen.text !== text) differing.push(`${s.Sid}: ${seen.policy} and ${policy} differ`);
        if (!seen) bySid.set(s.Sid, { policy, text });
      }
    }
    expect(differing, 'statements sharing a Sid').to.deep.equal([]);
  });

  it("gives the CodePipeline's build role crosswind's calls through the rollout policy alone", () => {
    const pipeline = parseTemplate(readFileSync(join(REPO, 'pipelines/ci/codepipeline.yml'), 'utf8'));
    expect(pipeline.Resources.BuildRole?.Properties.ManagedPolicyArns, 'the build role attaches the rollout policy').to.deep.equal([
      { Ref: 'RolloutPolicyArn' },
    ]);
    // What the build itself needs (logs, artifacts, reports) stays inline; nothing crosswind's commands call does.
    const rollout = derivePermissions(MODES.find((m) => m.policy === 'RolloutPolicy')?.entries ?? []).needed;
    // The pipeline's own artifact bucket is the build's, not crosswind's (crosswind's S3 calls go to chaos.lease and
    // chaos.ledger, granted by RolloutPolicy).
    const ownArtifacts = (st: { Resource?: unknown }) => JSON.stringify(st.Resource ?? '').includes('ArtifactBucket');
    const byHand = [...grantedPermissions(resourceStatements(pipeline, 'BuildRole').filter((st) => !ownArtifacts(st)))].filter((p) =>
      rollout.has(p),
    );
    expect(
      byHand,
      `crosswind's calls granted by hand in codepipeline.yml: they belong in RolloutPolicy of ${IAM_TEMPLATE_PATH}`,
    ).to.deep.equal([]);
  });

  describe('the FIS experiment role', () => {
    const supported = SANDBOX_ACTIONS.map((a) => a.actionId).sort();

    it('knows what each FIS action crosswind exercises needs', () => {
      expect(
        supported.filter((id) => !FIS_ACTION_PERMISSIONS[id]),
        'FIS actions without an entry in FIS_ACTION_PERMISSIONS (test/support/iam-template.ts): add what the FIS actions reference lists, and grant it to FisExperimentRole',
      ).to.deep.equal([]);
    });

    it('allows exactly what those actions need', () => {
      const needed = new Map<string, string[]>();
      for (const id of supported) for (const p of FIS_ACTION_PERMISSIONS[id] ?? []) needed.set(p, [...(needed.get(p) ?? []), id]);
      const granted = grantedPermissions(resourceStatements(template, 'FisExperimentRole'));
      expect(
        describeDiff('FIS running crosswind experiments', supported, 'FisExperimentRole', comparePermissions(needed, granted)),
      ).to.deep.equal([]);
    });

    it('is the only role the policies pass to FIS, and only templates with those actions may be created', () => {
      for (const { policy } of MODES.filter((m) => m.policy === 'GameDayPolicy' || m.policy === 'RolloutPolicy')) {
        const statements = resourceStatements(template, policy);
        const pass = statements.find((s) => s.Sid === 'PassExperimentRole');
        expect(pass?.Resource, `${policy} passes the experiment role`).to.deep.equal({ 'Fn::GetAtt': 'FisExperimentRole.Arn' });
        const actions = statements.find((s) => s.Sid === 'FisCreateTemplateActions');
        expect(fisActionIds(actions ?? { Effect: 'Allow' }), `${policy}: the FIS actions a template may use`).to.deep.equal(supported);
      }
    });
  });

  describe('the comparison can fail', () => {
    // A policy and a set of calls that match by construction, so only the planted difference shows.
    const matched = () => {
      const granted = grantedPermissions(resourceStatements(template, 'RolloutPolicy'));
      const needed = new Map([...granted].map((p): [string, string[]] => [p, ['code']]));
      return { needed, granted };
    };

    it('reports a call the policy does not allow, naming the policy to edit', () => {
      const { needed, granted } = matched();
      expect(comparePermissions(needed, granted)).to.deep.equal({ missing: [], extra: [] });
      needed.set('s3:DeleteObject', ['chaos/lease.ts DeleteObject']);
      const lines = describeDiff(
        'crosswind rollout and gate',
        ['cli/commands/rollout.ts'],
        'RolloutPolicy',
        comparePermissions(needed, granted),
      );
      expect(lines).to.deep.equal([
        `crosswind rollout and gate (cli/commands/rollout.ts) calls s3:DeleteObject (chaos/lease.ts DeleteObject), which RolloutPolicy in ${IAM_TEMPLATE_PATH} does not allow: add it there, scoped as tightly as the action allows`,
      ]);
    });

    it('reports a permission no call needs, and a role passed without naming the service', () => {
      const { needed, granted } = matched();
      granted.add('route53:DeleteHealthCheck');
      for (const p of grantedPermissions([{ Effect: 'Allow', Action: ['iam:PassRole'], Resource: '*' }])) granted.add(p);
      const diff = comparePermissions(needed, granted);
      expect(diff).to.deep.equal({ missing: [], extra: ['iam:PassRole→*', 'route53:DeleteHealthCheck'] });
      expect(describeDiff('crosswind rollout and gate', [], 'RolloutPolicy', diff)[1]).to.equal(
        `RolloutPolicy in ${IAM_TEMPLATE_PATH} allows route53:DeleteHealthCheck, which nothing crosswind rollout and gate runs calls: remove it`,
      );
    });

    it('follows a call planted behind a dynamic import to the command that reaches it', () => {
      const root = mkdtempSync(join(tmpdir(), 'crosswind-iam-'));
      const write = (file: string, text: string) => {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      };
      try {
        write('cli/commands/rollout.ts', "export async function run() { return (await import('../../chaos/lease.ts')).take(); }\n");
        write(
          'chaos/lease.ts',
          [
            "import type { ScheduleState } from '@aws-sdk/client-scheduler';",
            "import { PutCommand } from '@aws-sdk/lib-dynamodb';",
            "import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';",
            "import * as r53 from '@aws-sdk/client-route-53';",
            "import { helper } from './helper.ts';",
            'export const take = () => [new PutCommand({}), new CreateScheduleCommand({}), new r53.DeleteHealthCheckCommand({}), helper];',
            // Loaded lazily: destructured through a conditional, read off the module, or off the name it is bound to.
            'export async function lazy(on: boolean) {',
            "  const { HeadObjectCommand: Head } = on ? await import('@aws-sdk/client-s3') : { HeadObjectCommand: undefined };",
            "  const sts = (await import('@aws-sdk/client-sts')).GetCallerIdentityCommand;",
            "  const cw = await import('@aws-sdk/client-cloudwatch');",
            '  return [Head, sts, new cw.PutMetricAlarmCommand({})];',
            '}',
          ].join('\n'),
        );
        write('chaos/helper.ts', "import type { Thing } from './typed-only.ts';\nexport const helper = 1;\n");
        write('chaos/typed-only.ts', "import { GetObjectCommand } from '@aws-sdk/client-s3';\nexport type Thing = GetObjectCommand;\n");
        const { needed, unreadable } = derivePermissions(['cli/commands/rollout.ts'], root);
        expect(unreadable).to.deep.equal([]);
        // The type-only import loads no code: s3:GetObject is not reached.
        expect(Object.fromEntries(needed)).to.deep.equal({
          'dynamodb:PutItem': ['chaos/lease.ts PutItem'],
          'scheduler:CreateSchedule': ['chaos/lease.ts CreateSchedule'],
          [passRole('scheduler.amazonaws.com')]: ['chaos/lease.ts CreateSchedule'],
          'route53:DeleteHealthCheck': ['chaos/lease.ts DeleteHealthCheck'],
          's3:GetObject': ['chaos/lease.ts HeadObject'],
          'sts:GetCallerIdentity': ['chaos/lease.ts GetCallerIdentity'],
          'cloudwatch:PutMetricAlarm': ['chaos/lease.ts PutMetricAlarm'],
        });
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });

    it('refuses what it cannot name: aggregated clients, waiters, unknown SDK packages, item-level transactions, escaping modules', () => {
      const facts = sourceFacts(
        'chaos/x.ts',
        [
          "import { Route53, waitUntilResourceRecordSetsChanged } from '@aws-sdk/client-route-53';",
          "import { PutRecordCommand } from '@aws-sdk/client-kinesis';",
          "import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';",
          "export const later = () => keep(import('@aws-sdk/client-ecs'));",
        ].join('\n'),
      );
      expect(facts.unreadable).to.have.length(4);
      expect(facts.unreadable.join('\n'))
        .to.match(/Route53: the aggregated client/)
        .and.match(/waitUntilResourceRecordSetsChanged: a waiter/)
        .and.match(/client-kinesis PutRecordCommand: unknown AWS SDK package/)
        .and.match(/imports @aws-sdk\/client-ecs dynamically into something it cannot follow/);
      const root = mkdtempSync(join(tmpdir(), 'crosswind-iam-'));
      try {
        mkdirSync(join(root, 'chaos'));
        writeFileSync(join(root, 'chaos/x.ts'), "import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';\n");
        expect(derivePermissions(['chaos/x.ts'], root).unreadable).to.deep.equal([
          'chaos/x.ts: TransactWriteItems has no IAM action of its own; map it in IAM_ACTIONS in test/support/aws-calls.ts',
        ]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  });
});
