import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { toolchain } from '../../scripts/toolchain.mjs';
import { cfnLint } from '../support/cfn-lint.ts';
import {
  IAM_TEMPLATE,
  parseTemplate,
  type ResourceTypes,
  resourceScopeProblems,
  resourceStatements,
  unexplainedStars,
} from '../support/iam-template.ts';
import { runCommand } from '../support/run-command.ts';

// The IAM template as CloudFormation and IAM see it: cfn-lint (every rule, informational ones included), and each
// statement's resources against the resource types the Service Authorization Reference gives each action (the copy
// cfn-lint ships). Which actions the policies allow is checked against the code in
// test/unit/architecture/iam-policies.test.ts.

const POLICIES = ['GameDayPolicy', 'RolloutPolicy', 'ProbePolicy', 'FisExperimentRole', 'RunnerTaskRole'];

/** The resource types of every IAM action, from the data cfn-lint's own W3037 check uses. */
async function resourceTypes(): Promise<ResourceTypes> {
  const python = join(toolchain().cfnLint, '..', 'python');
  const { code, output } = await runCommand(python, [
    '-c',
    "import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'AdditionalSpecs', 'Policies.json'))",
  ]);
  expect(code, output).to.equal(0);
  return JSON.parse(await readFile(output.trim(), 'utf8')) as ResourceTypes;
}

describe('IAM template', function () {
  this.timeout(60_000);
  let scratch: string;
  let text: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'crosswind-iam-'));
    text = await readFile(IAM_TEMPLATE, 'utf8');
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it('passes cfn-lint, informational rules included', async () => {
    const { code, output } = await cfnLint(IAM_TEMPLATE);
    expect(output.trim(), output).to.equal('');
    expect(code).to.equal(0);
  });

  it('is checked for real: cfn-lint reports a misspelt action and a dangling role reference', async () => {
    const broken = join(scratch, 'broken-iam.yml');
    await writeFile(
      broken,
      text
        .replace('- route53:GetHealthCheckStatus', '- route53:GetHealthChekStatus')
        .replace('!GetAtt FisExperimentRole.Arn', '!GetAtt FisRole.Arn'),
    );
    const { code, output } = await cfnLint(broken);
    expect(code).to.not.equal(0);
    expect(output).to.match(/W3037:'gethealthchekstatus' is not one of/);
    expect(output).to.match(/E1010:'FisRole' is not one of/);
  });

  it('grants "*" only to actions without resource-level permissions, and names resources only for actions that have them', async () => {
    const types = await resourceTypes();
    const template = parseTemplate(text);
    const problems = POLICIES.flatMap((p) => resourceScopeProblems(resourceStatements(template, p), types).map((line) => `${p} ${line}`));
    expect(problems).to.deep.equal([]);
  });

  it('says above every "*" why it is unavoidable', () => {
    expect(unexplainedStars(text), 'statements granting on "*" without a comment').to.deep.equal([]);
  });

  it('catches a "*" that could be scoped, a scoped action that never matches, and an unexplained "*"', async () => {
    const types = await resourceTypes();
    const problems = resourceScopeProblems(
      [
        { Sid: 'Wide', Effect: 'Allow', Action: ['route53:UpdateHealthCheck', 'sts:GetCallerIdentity'], Resource: '*' },
        { Sid: 'Narrow', Effect: 'Allow', Action: 'dynamodb:InjectError', Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/t' },
        { Sid: 'Typo', Effect: 'Allow', Action: 'fis:StartExperment', Resource: '*' },
      ],
      types,
    );
    expect(problems).to.deep.equal([
      'Wide: route53:UpdateHealthCheck can be scoped to healthcheck; grant it on those, not "*"',
      'Narrow: dynamodb:InjectError has no resource-level permissions; AWS matches it only on "*"',
      'Typo: fis:StartExperment is not an action the Service Authorization Reference lists',
    ]);
    const uncommented = text.replace(/ {10}# The account guardrail\. GetCallerIdentity needs no permission \(AWS.*\n.*\n/, '');
    expect(uncommented).to.not.equal(text);
    expect(unexplainedStars(uncommented)).to.deep.equal(['AccountGuardrail']);
  });
});
