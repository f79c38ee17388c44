// Runs the CI templates as their services would: every `run` command of a GitHub Actions workflow, job after job
// with `needs`, `if: always()` / `failure()`, the workflow, job and $GITHUB_ENV environment, bash with -eo pipefail;
// every command of a CodeBuild buildspec, phase after phase, post_build after a failed build. A `uses:` step is
// played by a handler the test gives (checkout, setup-node, setup-k6, artifacts); one without a handler fails the
// run, so a template cannot gain a step nobody runs.
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/** One command as it ran. */
export interface RanCommand {
  job: string;
  step: string;
  command: string;
  code: number;
  output: string;
}

/** Runs `script` with bash in `cwd`; resolves its exit code and output. */
export function bash(
  script: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  log?: (line: string) => void,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const take = (d: Buffer) => {
      output += d;
      for (const line of d.toString().split('\n').filter(Boolean)) log?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

interface WorkflowStep {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface WorkflowJob {
  name?: string;
  needs?: string | string[];
  if?: string;
  env?: Record<string, string>;
  steps: WorkflowStep[];
}

/** What a `uses:` handler gets: the job's workspace and environment (it may add to `env`, e.g. PATH). */
export interface ActionContext {
  job: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  with: Record<string, string>;
}
export type ActionHandler = (ctx: ActionContext) => Promise<void>;

export interface WorkflowRun {
  jobs: Record<string, 'success' | 'failure' | 'skipped'>;
  commands: RanCommand[];
  /** The first failed command, if any. */
  failed?: RanCommand;
}

/** `${{ env.X }}`, `${{ inputs.X }}`, `${{ vars.X }}` (empty here) in a template string. */
function expand(text: string, env: NodeJS.ProcessEnv, inputs: Record<string, string>): string {
  return text.replace(/\$\{\{\s*(env|inputs|vars)\.([A-Za-z0-9_]+)\s*\}\}/g, (_m, scope: string, name: string) =>
    scope === 'env' ? (env[name] ?? '') : scope === 'inputs' ? (inputs[name] ?? '') : '',
  );
}

function expandAll(
  values: Record<string, string> | undefined,
  env: NodeJS.ProcessEnv,
  inputs: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, expand(String(v), env, inputs)]));
}

async function readGithubEnv(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Object.fromEntries(
    text.split('\n').flatMap((l) => (l.includes('=') ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]] : [])),
  );
}

/** Runs every job of a workflow in file order (the templates list each job after the ones it needs). */
export async function runWorkflow(
  file: string,
  options: {
    inputs: Record<string, string>;
    env: NodeJS.ProcessEnv;
    /** A fresh workspace for each job (a runner starts empty; actions/checkout fills it). */
    workspace: (job: string) => Promise<string>;
    uses: Record<string, ActionHandler>;
    log?: (line: string) => void;
  },
): Promise<WorkflowRun> {
  const wf = parse(await readFile(file, 'utf8')) as { env?: Record<string, string>; jobs: Record<string, WorkflowJob> };
  const run: WorkflowRun = { jobs: {}, commands: [] };
  for (const [id, job] of Object.entries(wf.jobs)) {
    const needs = [job.needs ?? []].flat();
    const anyFailed = needs.some((n) => run.jobs[n] === 'failure');
    const allOk = needs.every((n) => run.jobs[n] === 'success');
    const condition = job.if?.trim();
    const runs = condition === 'failure()' ? anyFailed : condition === 'always()' ? true : allOk;
    if (!runs) {
      run.jobs[id] = 'skipped';
      continue;
    }
    options.log?.(`== job ${id}`);
    const workspace = await options.workspace(id);
    const scratch = await mkdtemp(join(tmpdir(), 'crosswind-gha-'));
    const githubEnv = join(scratch, 'github_env');
    await writeFile(githubEnv, '');
    const env: NodeJS.ProcessEnv = {
      ...options.env,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ENV: githubEnv,
      GITHUB_STEP_SUMMARY: join(scratch, 'summary.md'),
    };
    Object.assign(env, expandAll(wf.env, env, options.inputs));
    Object.assign(env, expandAll(job.env, env, options.inputs));
    let failed = false;
    for (const [i, step] of job.steps.entries()) {
      const cond = step.if?.trim();
      if (failed && cond !== 'always()' && cond !== 'failure()') continue;
      if (!failed && cond === 'failure()') continue;
      const name = step.name ?? step.uses ?? step.run ?? `step ${i + 1}`;
      Object.assign(env, await readGithubEnv(githubEnv));
      const stepEnv = { ...env, ...expandAll(step.env, env, options.inputs) };
      if (step.uses) {
        const action = step.uses.split('@')[0] as string;
        const handler = options.uses[action];
        if (!handler) throw new Error(`${id}: no handler for ${step.uses}`);
        await handler({ job: id, workspace, env, with: expandAll(step.with, stepEnv, options.inputs) });
        continue;
      }
      const command = expand(step.run ?? '', stepEnv, options.inputs);
      const result = await bash(command, workspace, stepEnv, options.log);
      const ran = { job: id, step: name, command, ...result };
      run.commands.push(ran);
      if (result.code !== 0) {
        failed = true;
        run.failed ??= ran;
      }
    }
    await appendFile(githubEnv, '');
    run.jobs[id] = failed ? 'failure' : 'success';
  }
  return run;
}

export interface BuildRun {
  status: 'SUCCEEDED' | 'FAILED';
  commands: RanCommand[];
  failed?: RanCommand;
}

/**
 * Runs a buildspec (version 0.2) in `workspace`: install, pre_build, build, then post_build whether build failed or
 * not (with CODEBUILD_BUILD_SUCCEEDING), as CodeBuild does; a failed install or pre_build ends the build. `env`
 * holds what the pipeline stage sets (WAVE, REGION, VERSION), over the buildspec's own variables.
 */
export async function runBuildspec(
  file: string,
  options: { workspace: string; env: NodeJS.ProcessEnv; log?: (line: string) => void },
): Promise<BuildRun> {
  const spec = parse(await readFile(file, 'utf8')) as {
    env?: { variables?: Record<string, string> };
    phases: Record<string, { commands?: string[] }>;
  };
  const run: BuildRun = { status: 'SUCCEEDED', commands: [] };
  const env: NodeJS.ProcessEnv = { ...options.env, CODEBUILD_SRC_DIR: options.workspace };
  // Version 0.2 runs the commands in one shell: what one exports, the next sees (the state file carries it).
  const shellState = join(await mkdtemp(join(tmpdir(), 'crosswind-codebuild-')), 'exports.sh');
  await writeFile(shellState, '');
  for (const [k, v] of Object.entries(spec.env?.variables ?? {})) env[k] = options.env[k] ?? String(v);
  for (const phase of ['install', 'pre_build', 'build', 'post_build']) {
    if (run.status === 'FAILED' && phase !== 'post_build') break;
    env.CODEBUILD_BUILD_SUCCEEDING = run.status === 'SUCCEEDED' ? '1' : '0';
    options.log?.(`== phase ${phase}`);
    for (const command of spec.phases[phase]?.commands ?? []) {
      const script = `source "${shellState}"\nexport CODEBUILD_BUILD_SUCCEEDING=${env.CODEBUILD_BUILD_SUCCEEDING}\n${command}\nexport -p > "${shellState}"`;
      const result = await bash(script, options.workspace, env, options.log);
      const ran = { job: 'build', step: phase, command, ...result };
      run.commands.push(ran);
      if (result.code !== 0) {
        run.status = 'FAILED';
        run.failed ??= ran;
        break;
      }
    }
  }
  return run;
}
