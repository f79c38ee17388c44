import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, parse, parseDocument, visit } from 'yaml';
import { type Permission, passRole } from './aws-calls.ts';

// Reads the IAM policies crosswind ships (pipelines/iam/crosswind-iam.yml) and compares them with what the code calls.

export const IAM_TEMPLATE = fileURLToPath(new URL('../../pipelines/iam/crosswind-iam.yml', import.meta.url));
/** The template as the failure messages name it. */
export const IAM_TEMPLATE_PATH = 'pipelines/iam/crosswind-iam.yml';

/** One statement of a policy document, intrinsics kept as `{ Ref: ... }`, `{ 'Fn::Sub': ... }` objects. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

// CloudFormation's short-form intrinsics are custom YAML tags; each becomes its long form, in any node kind.
const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'If', 'Join', 'Split', 'Select', 'Not', 'Equals', 'And', 'Or', 'Condition', 'FindInMap'];
const longName = (tag: string) => (tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`);
const customTags = INTRINSICS.flatMap((tag) => [
  { tag: `!${tag}`, resolve: (value: string) => ({ [longName(tag)]: value }) },
  { tag: `!${tag}`, collection: 'seq' as const, resolve: (value: { toJSON(): unknown }) => ({ [longName(tag)]: value.toJSON() }) },
  { tag: `!${tag}`, collection: 'map' as const, resolve: (value: { toJSON(): unknown }) => ({ [longName(tag)]: value.toJSON() }) },
]);

/** Parses a CloudFormation template written in YAML, short-form intrinsics included. */
export function parseTemplate(text: string): Template {
  return parse(text, { customTags }) as Template;
}

export function readIamTemplate(): Template {
  return parseTemplate(readFileSync(IAM_TEMPLATE, 'utf8'));
}

const isNoValue = (v: unknown) => typeof v === 'object' && v !== null && (v as { Ref?: string }).Ref === 'AWS::NoValue';

/** The statements of a policy document; a conditional statement (`!If`) counts with both its branches. */
export function statementsOf(document: { Statement: unknown[] }): Statement[] {
  const out: Statement[] = [];
  for (const s of document.Statement) {
    const branches = (s as { 'Fn::If'?: unknown[] })['Fn::If'];
    const candidates = branches ? branches.slice(1) : [s];
    for (const c of candidates) if (!isNoValue(c)) out.push(c as Statement);
  }
  return out;
}

/** Every statement of a resource's policies: a managed policy's document, or a role's inline policies. */
export function resourceStatements(template: Template, logicalId: string): Statement[] {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`${IAM_TEMPLATE_PATH} has no resource ${logicalId}`);
  const props = resource.Properties;
  const documents =
    resource.Type === 'AWS::IAM::ManagedPolicy'
      ? [props.PolicyDocument]
      : ((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument);
  return documents.flatMap((d) => statementsOf(d as { Statement: unknown[] }));
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * Pure: the permissions a set of statements grants, as `derivePermissions` names them. `iam:PassRole` counts once per
 * service its `iam:PassedToService` condition names; without that condition it is `iam:PassRole→*`, which no call
 * needs. `NotAction` grants everything else: it is reported as such, never matched.
 */
export function grantedPermissions(statements: readonly Statement[]): Set<Permission> {
  const granted = new Set<Permission>();
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    for (const a of asList(s.NotAction)) granted.add(`NotAction ${String(a)}`);
    for (const action of asList(s.Action) as string[]) {
      if (action !== 'iam:PassRole') {
        granted.add(action);
        continue;
      }
      const services = asList(s.Condition?.StringEquals?.['iam:PassedToService']) as string[];
      if (services.length === 0) granted.add(passRole('*'));
      for (const service of services) granted.add(passRole(service));
    }
  }
  return granted;
}

/** What a policy lacks and what it has too much of, against what the code needs. */
export interface PolicyDiff {
  /** Needed but not granted, with the calls that need it. */
  missing: { permission: Permission; calls: string[] }[];
  /** Granted but needed by no call. */
  extra: Permission[];
}

/** Pure: compares what the code needs with what a policy grants. */
export function comparePermissions(needed: ReadonlyMap<Permission, readonly string[]>, granted: ReadonlySet<Permission>): PolicyDiff {
  const missing = [...needed]
    .filter(([p]) => !granted.has(p))
    .map(([permission, calls]) => ({ permission, calls: [...calls] }))
    .sort((a, b) => a.permission.localeCompare(b.permission));
  const extra = [...granted].filter((p) => !needed.has(p)).sort();
  return { missing, extra };
}

/** Pure: one line a difference, each saying which policy to edit and why. */
export function describeDiff(mode: string, entries: readonly string[], policy: string, diff: PolicyDiff): string[] {
  const where = `${policy} in ${IAM_TEMPLATE_PATH}`;
  return [
    ...diff.missing.map(
      (m) =>
        `${mode} (${entries.join(', ')}) calls ${m.permission} (${m.calls.join('; ')}), which ${where} does not allow: add it there, scoped as tightly as the action allows`,
    ),
    ...diff.extra.map((p) => `${where} allows ${p}, which nothing ${mode} runs calls: remove it`),
  ];
}

/** The aws:ecs:task-* actions share one set: SSM runs them inside the task. */
const ECS_TASK_ACTION = [
  'ecs:DescribeTasks',
  'ecs:DescribeContainerInstances',
  'ec2:DescribeInstances',
  'ec2:DescribeSubnets',
  'ssm:SendCommand',
  'ssm:ListCommands',
  'ssm:CancelCommand',
] as const;

/**
 * What each FIS action crosswind's experiments use needs from the experiment role, as the AWS FIS actions reference
 * lists it. A new action crosswind supports needs its entry here and its permissions in the role.
 * @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
 */
export const FIS_ACTION_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'aws:ecs:stop-task': ['ecs:DescribeTasks', 'ecs:ListTasks', 'ecs:StopTask', 'tag:GetResources'],
  'aws:ecs:task-network-latency': ECS_TASK_ACTION,
  'aws:ecs:task-network-blackhole-port': ECS_TASK_ACTION,
  'aws:network:disrupt-connectivity': [
    'ec2:CreateNetworkAcl',
    'ec2:CreateNetworkAclEntry',
    'ec2:CreateTags',
    'ec2:DeleteNetworkAcl',
    'ec2:DescribeManagedPrefixLists',
    'ec2:DescribeNetworkAcls',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
    'ec2:GetManagedPrefixListEntries',
    'ec2:ReplaceNetworkAclAssociation',
  ],
  'aws:fis:inject-api-internal-error': ['fis:InjectApiInternalError'],
  // InjectError only for multi-Region strongly consistent tables.
  'aws:dynamodb:global-table-pause-replication': [
    'dynamodb:PutResourcePolicy',
    'dynamodb:DeleteResourcePolicy',
    'dynamodb:GetResourcePolicy',
    'dynamodb:DescribeTable',
    'tag:GetResources',
    'dynamodb:InjectError',
  ],
};

/** The FIS action ids a statement's `action/<id>` resources name (CreateExperimentTemplate scoped by action). */
export function fisActionIds(statement: Statement): string[] {
  return asList(statement.Resource)
    .map((r) => (typeof r === 'string' ? r : String((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? '')))
    .map((arn) => /:action\/(.+)$/.exec(arn)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();
}

/** Per service prefix, each action (lower case) and the resource types it can be scoped to, as cfn-lint ships them. */
export type ResourceTypes = Record<string, { Actions: Record<string, { Resources?: string[] }> }>;

/**
 * Actions whose resource types are optional and do not apply to crosswind's calls, so "*" is the only match: the
 * reason each is granted on "*" although the reference lists a resource type.
 */
export const STAR_DESPITE_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  'cloudwatch:GetMetricData': 'the dataset resource type names CloudWatch datasets, which crosswind reads no metric through',
  'cloudwatch:PutMetricData': 'the dataset resource type names CloudWatch datasets, which the probe publishes to none of',
  'ecs:ListTasks': 'authorised on a container instance only when the call filters by one; FIS lists a whole cluster',
};

/**
 * Pure: statements that grant an action on "*" although it can be scoped (so "*" is not unavoidable), or on named
 * resources although it has no resource-level permissions (so it would never match), or that name an action the
 * reference does not know.
 */
export function resourceScopeProblems(statements: readonly Statement[], types: ResourceTypes): string[] {
  const problems: string[] = [];
  for (const s of statements) {
    if (s.Effect !== 'Allow') continue;
    const star = asList(s.Resource).includes('*');
    for (const action of asList(s.Action) as string[]) {
      const [prefix = '', name = ''] = action.split(':');
      const known = types[prefix]?.Actions[name.toLowerCase()];
      if (!known) {
        problems.push(`${s.Sid}: ${action} is not an action the Service Authorization Reference lists`);
        continue;
      }
      const scopable = (known.Resources ?? []).length > 0;
      if (star && scopable && !STAR_DESPITE_RESOURCE_TYPES[action])
        problems.push(`${s.Sid}: ${action} can be scoped to ${known.Resources?.join(', ')}; grant it on those, not "*"`);
      if (!star && !scopable) problems.push(`${s.Sid}: ${action} has no resource-level permissions; AWS matches it only on "*"`);
    }
  }
  return problems;
}

/** Pure: the Sids of statements granting on "*" with no comment above them saying why. */
export function unexplainedStars(text: string): string[] {
  const out: string[] = [];
  visit(parseDocument(text, { customTags }), {
    Seq(_, seq) {
      seq.items.forEach((item, i) => {
        if (!isMap(item) || item.get('Resource') !== '*') return;
        const comment = item.commentBefore ?? (i === 0 ? seq.commentBefore : undefined);
        if (!comment?.trim()) out.push(String(item.get('Sid')));
      });
    },
  });
  return out;
}
