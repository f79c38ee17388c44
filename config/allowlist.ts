import { z } from './zod.ts';

// What the config lets crosswind act on: the regions in `aws.allowedRegions` and the accounts in `aws.accountIds`.
// Every field that names a region, or an ARN that carries one, is held to the list here, once, when the config is
// validated: a region outside it is refused before the first AWS call, whichever command reads the field.

/** A region name as AWS writes it: `us-east-1`, `us-gov-west-1`, `us-isob-east-1`. */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;
export const awsRegion = z.string().regex(REGION, { message: 'expected an AWS region name like "us-east-1"' });

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:/;

/** An ARN (`arn:aws:ecs:us-east-1:123456789012:task/...`), its region and account held to the allowlists. */
export const arn = z.string().regex(ARN, { message: 'expected an ARN ("arn:aws:<service>:<region>:<account>:...")' });

type Path = (string | number)[];

/** One field that names a region, or an ARN, where the config says it. */
export type AllowlistField = { path: Path; region: string } | { path: Path; arn: string };

/** The parts of a parsed config the allowlists apply to (the schema's output before defaults are derived). */
export interface AllowlistInput {
  aws: { accountIds: string[]; allowedRegions?: string[] | undefined; controlRegion: string };
  regions: { name: string }[];
  probe: { cloudwatch: { region?: string | undefined } };
  gates: { checks: ({ kind: string } & { region?: string | undefined })[] };
  vantages?: { runner: { kind: string; region?: string | undefined; taskRoleArn?: string | undefined } }[] | undefined;
  distributed: { runners: { results: { region?: string | undefined } } };
  chaos: {
    stopConditions: { alarms: (string | { name: string; region?: string | undefined })[] };
    experiments: Record<
      string,
      { region: string; roleArn: string; stopConditionAlarms: string[]; targets: Record<string, { resourceArns?: string[] | undefined }> }
    >;
  };
}

/** The regions crosswind may act on: `aws.allowedRegions`, or by default the configured regions and the control region. */
export function allowedRegions(c: Pick<AllowlistInput, 'aws' | 'regions'>): string[] {
  return c.aws.allowedRegions ?? [...new Set([...c.regions.map((r) => r.name), c.aws.controlRegion])];
}

/** Pure: every field of the config that names a region crosswind will call AWS in, or an ARN it will hand to AWS. */
export function allowlistFields(c: AllowlistInput): AllowlistField[] {
  const fields: AllowlistField[] = c.regions.map((r, i) => ({ path: ['regions', i, 'name'], region: r.name }));
  fields.push({ path: ['aws', 'controlRegion'], region: c.aws.controlRegion });
  if (c.probe.cloudwatch.region) fields.push({ path: ['probe', 'cloudwatch', 'region'], region: c.probe.cloudwatch.region });
  c.gates.checks.forEach((g, i) => {
    if (g.kind === 'cloudwatch' && g.region) fields.push({ path: ['gates', 'checks', i, 'region'], region: g.region });
  });
  c.chaos.stopConditions.alarms.forEach((a, i) => {
    if (typeof a !== 'string' && a.region) fields.push({ path: ['chaos', 'stopConditions', 'alarms', i, 'region'], region: a.region });
  });
  (c.vantages ?? []).forEach((v, i) => {
    const at = ['vantages', i, 'runner'];
    if (v.runner.region) fields.push({ path: [...at, 'region'], region: v.runner.region });
    if (v.runner.taskRoleArn) fields.push({ path: [...at, 'taskRoleArn'], arn: v.runner.taskRoleArn });
  });
  const results = c.distributed.runners.results;
  if (results.region) fields.push({ path: ['distributed', 'runners', 'results', 'region'], region: results.region });
  for (const [name, t] of Object.entries(c.chaos.experiments)) {
    const at = ['chaos', 'experiments', name];
    fields.push({ path: [...at, 'region'], region: t.region }, { path: [...at, 'roleArn'], arn: t.roleArn });
    t.stopConditionAlarms.forEach((a, i) => {
      fields.push({ path: [...at, 'stopConditionAlarms', i], arn: a });
    });
    for (const [target, spec] of Object.entries(t.targets)) {
      (spec.resourceArns ?? []).forEach((a, i) => {
        fields.push({ path: [...at, 'targets', target, 'resourceArns', i], arn: a });
      });
    }
  }
  return fields;
}

/**
 * Pure: a message for each field outside the allowlists, with its path. An ARN's region must be allowed when it has
 * one (IAM's have none), and its account must be in `aws.accountIds` (AWS-managed resources say `aws`).
 */
export function allowlistProblems(c: AllowlistInput): { path: Path; message: string }[] {
  const regions = allowedRegions(c);
  const regionList = c.aws.allowedRegions
    ? `aws.allowedRegions (${regions.join(', ')})`
    : `the allowed regions (aws.allowedRegions is not set: the configured regions and aws.controlRegion, ${regions.join(', ')})`;
  const problems: { path: Path; message: string }[] = [];
  for (const f of allowlistFields(c)) {
    if ('region' in f) {
      // A value that is no region name at all is reported once, by the field's own schema.
      if (REGION.test(f.region) && !regions.includes(f.region))
        problems.push({ path: f.path, message: `"${f.region}" is not in ${regionList}` });
      continue;
    }
    const [, , , region, account] = ARN.exec(f.arn) ?? [];
    if (region && !regions.includes(region)) {
      problems.push({ path: f.path, message: `the ARN's region "${region}" is not in ${regionList}` });
    }
    if (account && account !== 'aws' && !c.aws.accountIds.includes(account)) {
      problems.push({ path: f.path, message: `the ARN's account ${account} is not in aws.accountIds (${c.aws.accountIds.join(', ')})` });
    }
  }
  return problems;
}
