import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { expect } from 'chai';
import { readVersion } from '../../pipelines/version.ts';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { type ActionHandler, bash, type RanCommand, runBuildspec, runWorkflow } from '../support/ci-runner.ts';
import { installedCrosswind } from '../support/installed.ts';
import { REPO } from '../support/repo.ts';

// The CI templates executed, not only linted: every `run` command of the GitHub Actions workflow and every command
// of the CodeBuild buildspec, in order, with their environment, in an application repository that has crosswind as
// a devDependency (the packed tarball), against the sandbox. k6 is installed the way each template does it; here it
// comes from the bootstrap's cache, put where grafana/setup-k6-action (a tool-cache folder on PATH) or a k6 image
// (a k6 on PATH, so the buildspec's Debian install is skipped) would put it.

const WORKFLOW = join(REPO, 'pipelines/ci/github-actions.yml');
const BUILDSPEC = join(REPO, 'pipelines/ci/buildspec.yml');
/** The waves both templates roll through, in their order. */
const WAVES = ['us-west-2', 'eu-west-1', 'us-east-1'];

function k6Version(path: string): string {
  return /k6 v(\d+\.\d+\.\d+)/.exec(execFileSync(path, ['version'], { encoding: 'utf8' }))?.[1] ?? '';
}

describe('CI templates executed against the sandbox, from the installed package', function () {
  this.timeout(900_000);
  let dir: string;
  let app: string;
  let sandbox: SandboxHandle;
  let k6Dir: string;
  let baseEnv: NodeJS.ProcessEnv;
  const log: string[] = [];

  const versions = async () => Promise.all(sandbox.state.regions.map(async (r) => [r.name, await readVersion(r.endpoint, '/version')]));
  const commandsOf = (commands: RanCommand[], pattern: RegExp) => commands.filter((c) => pattern.test(c.command));
  const failure = (what: string, commands: RanCommand[]) =>
    `${what}\n${commands.map((c) => `[${c.job} / ${c.step}] exit ${c.code}: ${c.command}\n${c.output.slice(-1500)}`).join('\n')}`;

  before(async () => {
    const k6 = process.env.CROSSWIND_K6;
    expect(k6, 'CROSSWIND_K6 (the bootstrap’s k6)').to.be.a('string');
    dir = await mkdtemp(join(tmpdir(), 'crosswind-ci-run-'));
    const state = join(dir, 'sandbox', 'state.json');
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0' });
    k6Dir = join(dir, 'toolcache', 'k6', k6Version(k6 as string), 'x64');
    await mkdir(k6Dir, { recursive: true });
    await symlink(k6 as string, join(k6Dir, 'k6'));

    // The application repository: crosswind as a devDependency (the packed tarball), its lock, and the config.
    app = join(dir, 'app');
    await mkdir(app);
    const { tarball } = await installedCrosswind();
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'shop-deploy', private: true, devDependencies: { crosswind: `file:${tarball}` } }),
    );
    const deploy = `npx crosswind sandbox deploy --state "${state}" --region "$REGION"`;
    await writeFile(
      join(app, 'crosswind.config.yaml'),
      JSON.stringify({
        project: 'shop',
        sandbox: { state },
        aws: { allowedRegions: WAVES },
        regions: WAVES.map((name) => ({ name })),
        synthetics: { globalTraffic: { path: '/version' } },
        rollout: {
          order: 'config',
          hooks: { deploy: `${deploy} --version "$VERSION" \${DEPLOY_FLAGS:-}`, rollback: `${deploy} --version "$PREVIOUS_VERSION"` },
          versionPath: '/version',
          trafficDuration: '4s',
          bakeDuration: '2s',
          bakeInterval: '1s',
          // Evidence sized to a short job: 120 requests a window can show p(95) and a 5 % error rate within their
          // bounds (59 would do with none failed); the bad version's 300 ms fails the latency bound outright.
          rate: 30,
          maxErrorRate: 0.05,
          latencyPercentile: 95,
          maxLatencyMs: 250,
          minSamples: 40,
          // The sandbox answers in about a millisecond: a spread or shift within 5 ms is the runner's jitter.
          comparison: { maxMedianRatio: 2, minShiftMs: 5 },
        },
      }),
    );
    // A runner's environment: no k6 and no crosswind variables until a template provides them; npm's cache warm, as
    // setup-node's `cache: npm` leaves it.
    baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CROSSWIND_') && k !== 'PATH'));
    baseEnv.PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
    baseEnv.npm_config_prefer_offline = 'true';
    baseEnv.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const locked = await bash('npm install --no-audit --no-fund && rm -rf node_modules', app, baseEnv);
    expect(locked.code, locked.output).to.equal(0);
  });

  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The `uses:` steps of the workflow, played on this machine. */
  function actions(artifacts: string): Record<string, ActionHandler> {
    return {
      'actions/checkout': async ({ workspace }) => {
        await cp(app, workspace, { recursive: true });
      },
      'actions/setup-node': async (ctx) => {
        expect(ctx.with['node-version'], 'the Node line the template sets up').to.equal(process.versions.node.split('.')[0]);
        ctx.env.PATH = `${dirname(process.execPath)}:${ctx.env.PATH}`;
      },
      'grafana/setup-k6-action': async (ctx) => {
        expect(ctx.with['k6-version'], 'the k6 the template installs').to.equal(k6Version(join(k6Dir, 'k6')));
        ctx.env.PATH = `${k6Dir}:${ctx.env.PATH}`;
      },
      // Sandbox credentials come from its config layer; nothing is assumed.
      'aws-actions/configure-aws-credentials': async () => {},
      'actions/upload-artifact': async (ctx) => {
        const target = join(artifacts, ctx.with.name as string);
        await mkdir(target, { recursive: true });
        const paths = (ctx.with.path ?? '').split('\n').filter(Boolean);
        for (const p of paths) {
          const from = join(ctx.workspace, p);
          // One folder uploads its contents; several files upload each by name.
          await cp(from, paths.length === 1 ? target : join(target, basename(p)), { recursive: true }).catch(() => {});
        }
      },
      'actions/download-artifact': async (ctx) => {
        await cp(join(artifacts, ctx.with.name as string), join(ctx.workspace, ctx.with.path as string), { recursive: true });
      },
    };
  }

  async function workflow(version: string, env: NodeJS.ProcessEnv = {}) {
    const root = await mkdtemp(join(dir, `gha-${version}-`));
    const artifacts = join(root, 'artifacts');
    return runWorkflow(WORKFLOW, {
      inputs: { version },
      env: { ...baseEnv, ...env },
      workspace: async (job) => {
        const ws = join(root, job);
        await mkdir(ws, { recursive: true });
        return ws;
      },
      uses: actions(artifacts),
      log: (l) => log.push(l),
    });
  }

  async function build(wave: number, version: string, env: NodeJS.ProcessEnv = {}) {
    const workspace = await mkdtemp(join(dir, `codebuild-${version}-${wave}-`));
    await cp(app, workspace, { recursive: true });
    // A k6-based build image: k6 on PATH, so the buildspec's Debian install is skipped.
    const imageEnv = { ...baseEnv, PATH: `${k6Dir}:${baseEnv.PATH}`, ...env };
    return runBuildspec(BUILDSPEC, {
      workspace,
      env: { ...imageEnv, WAVE: String(wave), REGION: WAVES[wave - 1], VERSION: version },
      log: (l) => log.push(l),
    });
  }

  it('GitHub Actions: a good version is approved through every wave and gate (exit 0); a bad one is stopped at wave 1 (exit 1)', async () => {
    const good = await workflow('1.1.0');
    expect(good.failed, failure('no command fails', good.failed ? [good.failed] : [])).to.equal(undefined);
    expect(good.jobs).to.deep.equal({
      'wave-1': 'success',
      'gate-1': 'success',
      'wave-2': 'success',
      'gate-2': 'success',
      'wave-3': 'success',
      'gate-3': 'success',
      restore: 'skipped',
    });
    const gates = commandsOf(good.commands, /^npx crosswind gate /);
    expect(
      gates.map((g) => g.code),
      failure('gate commands', gates),
    ).to.deep.equal([0, 0, 0]);
    for (const g of gates) expect(g.output, 'judged with the wave’s own gates').to.contain('the gates the run recorded (gates.json)');
    expect(commandsOf(good.commands, /^npx crosswind rollout /).map((c) => c.code)).to.deep.equal([0, 0, 0]);
    expect(Object.fromEntries(await versions())).to.deep.equal({ 'us-east-1': '1.1.0', 'us-west-2': '1.1.0', 'eu-west-1': '1.1.0' });

    const bad = await workflow('1.2.0', { DEPLOY_FLAGS: '--added-latency-ms 300' });
    expect(bad.failed?.command, 'the first failing command').to.match(/^npx crosswind rollout /);
    expect(bad.failed?.code, failure('the rollout exit code', bad.failed ? [bad.failed] : [])).to.equal(1);
    expect(bad.jobs).to.deep.equal({
      'wave-1': 'failure',
      'gate-1': 'skipped',
      'wave-2': 'skipped',
      'gate-2': 'skipped',
      'wave-3': 'skipped',
      'gate-3': 'skipped',
      restore: 'success',
    });
    expect(Object.fromEntries(await versions()), 'wave 1 rolled back, the rest untouched').to.deep.equal({
      'us-east-1': '1.1.0',
      'us-west-2': '1.1.0',
      'eu-west-1': '1.1.0',
    });
  });

  it('CodeBuild: the buildspec approves a good version wave by wave (exit 0) and fails a bad one at wave 1 (exit 1), reporting and restoring', async () => {
    for (const wave of [1, 2, 3]) {
      const b = await build(wave, '1.3.0');
      expect(b.status, failure(`wave ${wave}`, b.failed ? [b.failed] : [])).to.equal('SUCCEEDED');
      const gate = commandsOf(b.commands, /^npx crosswind gate /);
      expect(gate.map((g) => g.code)).to.deep.equal([0]);
    }
    expect(Object.fromEntries(await versions())).to.deep.equal({ 'us-east-1': '1.3.0', 'us-west-2': '1.3.0', 'eu-west-1': '1.3.0' });

    const bad = await build(1, '1.4.0', { DEPLOY_FLAGS: '--added-latency-ms 300' });
    expect(bad.status).to.equal('FAILED');
    expect(bad.failed?.command).to.match(/^npx crosswind rollout /);
    expect(bad.failed?.code, failure('the rollout exit code', bad.failed ? [bad.failed] : [])).to.equal(1);
    const post = bad.commands.filter((c) => c.step === 'post_build');
    expect(
      post.map((c) => c.command.split(' ').slice(0, 3).join(' ')),
      'post_build ran after the failed wave',
    ).to.include('npx crosswind restore');
    expect(
      post.every((c) => c.code === 0),
      failure('post_build', post),
    ).to.equal(true);
    expect(Object.fromEntries(await versions()), 'wave 1 rolled back').to.deep.equal({
      'us-east-1': '1.3.0',
      'us-west-2': '1.3.0',
      'eu-west-1': '1.3.0',
    });
  });
});
