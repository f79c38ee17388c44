import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { toolchain } from '../../scripts/toolchain.mjs';
import { cfnLint } from '../support/cfn-lint.ts';
import { runCommand } from '../support/run-command.ts';

const ci = (name: string) => fileURLToPath(new URL(`../../pipelines/ci/${name}`, import.meta.url));
const WORKFLOW = ci('github-actions.yml');
const BUILDSPEC = ci('buildspec.yml');
const CODEPIPELINE = ci('codepipeline.yml');

// shellcheck and pyflakes are turned off so the verdict does not depend on what else happens to be on PATH.
const actionlint = (file: string) => runCommand(toolchain().actionlint, ['-shellcheck=', '-pyflakes=', '-no-color', file]);

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  steps: Step[];
  env?: Record<string, string>;
}

describe('CI templates', function () {
  this.timeout(60_000);
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'crosswind-ci-'));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  describe('GitHub Actions workflow', () => {
    it('passes actionlint', async () => {
      const { code, output } = await actionlint(WORKFLOW);
      expect(output.trim(), output).to.equal('');
      expect(code).to.equal(0);
    });

    it('is a chain of wave jobs with a crosswind gate job between every two, each publishing JUnit, HTML and the summary', async () => {
      const wf = parse(await readFile(WORKFLOW, 'utf8')) as { jobs: Record<string, Job> };
      const waves = Object.keys(wf.jobs).filter((j) => j.startsWith('wave-'));
      expect(waves).to.deep.equal(['wave-1', 'wave-2', 'wave-3']);
      waves.forEach((wave, i) => {
        const gate = `gate-${i + 1}`;
        expect(wf.jobs[gate]?.needs, gate).to.equal(wave);
        if (i > 0) expect(wf.jobs[wave]?.needs, wave).to.equal(`gate-${i}`);
        const gateSteps = wf.jobs[gate]?.steps ?? [];
        expect(gateSteps.some((s) => s.run?.includes('npx crosswind gate'))).to.equal(true);
        for (const job of [wave, gate]) {
          const steps = wf.jobs[job]?.steps ?? [];
          const summary = steps.find((s) => s.run?.includes('>> "$GITHUB_STEP_SUMMARY"'));
          expect(summary?.if, `${job} writes the summary even when it fails`).to.equal('always()');
          const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
          expect(upload?.if, `${job} uploads even when it fails`).to.equal('always()');
        }
        expect(JSON.stringify(wf.jobs[gate]?.steps))
          .to.match(/junit\.xml/)
          .and.match(/report\.html/);
        expect(JSON.stringify(wf.jobs[wave]?.steps)).to.contain('npx crosswind report');
      });
    });

    it('is checked for real: actionlint reports a job needing a missing job and a misspelled input', async () => {
      const broken = join(scratch, 'broken-workflow.yml');
      const text = (await readFile(WORKFLOW, 'utf8')).replace('needs: gate-1', 'needs: gate-9').replace('inputs.version', 'inputs.versoin');
      await writeFile(broken, text);
      const { code, output } = await actionlint(broken);
      expect(code).to.equal(1);
      expect(output).to.contain('needs job "gate-9" which does not exist');
      expect(output).to.contain('property "versoin" is not defined');
    });
  });

  describe('CodePipeline (CloudFormation)', () => {
    it('passes cfn-lint, informational rules included', async () => {
      const { code, output } = await cfnLint(CODEPIPELINE);
      expect(output.trim(), output).to.equal('');
      expect(code).to.equal(0);
    });

    it('has one CodeBuild stage per wave after the source, each running the buildspec with its WAVE and REGION', async () => {
      // CloudFormation's short-form intrinsics (!Ref, !Sub, !GetAtt) are custom tags; keep them as plain values.
      const customTags = ['Ref', 'Sub', 'GetAtt'].map((tag) => ({ tag: `!${tag}`, resolve: (v: string) => ({ [tag]: v }) }));
      const template = parse(await readFile(CODEPIPELINE, 'utf8'), { customTags }) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      expect((template.Resources.WaveProject?.Properties.Source as { BuildSpec?: string } | undefined)?.BuildSpec).to.equal(
        'pipelines/ci/buildspec.yml',
      );
      const stages = template.Resources.Pipeline?.Properties.Stages as {
        Name: string;
        Actions: { ActionTypeId: { Provider: string }; Configuration: Record<string, string> }[];
      }[];
      expect(stages.map((s) => s.Name)).to.deep.equal(['Source', 'Wave1-us-west-2', 'Wave2-eu-west-1', 'Wave3-us-east-1']);
      stages.slice(1).forEach((stage, i) => {
        const action = stage.Actions[0];
        expect(action?.ActionTypeId.Provider).to.equal('CodeBuild');
        const vars = JSON.parse(action?.Configuration.EnvironmentVariables ?? '[]') as { name: string; value: string }[];
        const env = Object.fromEntries(vars.map((v) => [v.name, v.value]));
        expect(env.WAVE).to.equal(String(i + 1));
        expect(stage.Name).to.equal(`Wave${i + 1}-${env.REGION}`);
        expect(env.VERSION).to.equal('#{variables.Version}');
      });
    });

    it('is checked for real: cfn-lint reports a dangling GetAtt and an invalid pipeline type', async () => {
      const broken = join(scratch, 'broken-pipeline.yml');
      const text = (await readFile(CODEPIPELINE, 'utf8'))
        .replace('PipelineType: V2', 'PipelineType: V9')
        .replace('Resource: !GetAtt WaveProject.Arn', 'Resource: !GetAtt WaveProjectTypo.Arn');
      await writeFile(broken, text);
      const { code, output } = await cfnLint(broken);
      expect(code).to.not.equal(0);
      expect(output).to.match(/E1010:'WaveProjectTypo' is not one of/);
      expect(output).to.match(/E3030:'V9' is not one of/);
    });
  });

  describe('CodeBuild buildspec', () => {
    it('runs one wave, then the gate, reports JUnit to a report group and keeps the run folder as the artifact', async () => {
      const spec = parse(await readFile(BUILDSPEC, 'utf8')) as {
        version: number;
        phases: Record<string, { commands: string[]; 'on-failure'?: string }>;
        reports: Record<string, { files: string[]; 'file-format': string }>;
        artifacts: { files: string[] };
      };
      expect(spec.version).to.equal(0.2);
      const build = spec.phases.build?.commands ?? [];
      const rollout = build.findIndex((c) => c.startsWith('npx crosswind rollout'));
      const gate = build.findIndex((c) => c.startsWith('npx crosswind gate'));
      expect(rollout).to.be.greaterThan(-1);
      expect(gate).to.be.greaterThan(rollout);
      expect(spec.phases.build?.['on-failure'], 'post_build (reports, restore) runs after a failed wave too').to.equal(undefined);
      expect(spec.phases.post_build?.commands.some((c) => c.startsWith('npx crosswind report'))).to.equal(true);
      const reports = Object.values(spec.reports);
      expect(reports.map((r) => r['file-format'])).to.deep.equal(['JUNITXML']);
      expect(reports[0]?.files.some((f) => f.endsWith('junit.xml'))).to.equal(true);
      expect(spec.artifacts.files).to.deep.equal(['.crosswind/runs/**/*']);
    });
  });
});
