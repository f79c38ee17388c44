#!/usr/bin/env node
// Installs everything crosswind's tests need on a fresh machine, idempotently: Node 24 (the npm package
// node-<platform>-<arch>), the npm packages (`npm ci`, from the lock), the real k6 (built from its Go module), moto
// (in a Python venv), the CI template linters (actionlint from its Go module, cfn-lint in a venv), Debian's Chromium
// for the HTML report's browser test, and k6-operator's TestRun CRD (from its Go module). Its first step (Node 24
// and `npm ci`) is plain Node with no dependencies, runnable on an older system Node, because it runs before
// node_modules exists; the rest does its process work with zx.
// The tools live in a cache outside the repo (see toolchain.mjs), so every clone reuses them.
//   node scripts/bootstrap.mjs [--run <npm script> [args...]]   (--run: then run that script on Node 24 with the
//   arguments after its name, and exit with it: `npm run bench -- gates` reaches the bench runner as `gates`)
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACTIONLINT_VERSION,
  CFN_LINT_VERSION,
  CHROMIUM_PATH,
  cacheDir,
  K6_OPERATOR_VERSION,
  K6_VERSION,
  MIN_GO,
  MIN_PYTHON,
  MOTO_VERSION,
  NODE_VERSION,
  TOOLCHAIN_SCHEMA,
  toolchainFile,
} from './toolchain.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

function say(line) {
  process.stderr.write(`bootstrap: ${line}\n`);
}

function fail(line) {
  process.stderr.write(`bootstrap: error: ${line}\n`);
  process.exit(3);
}

/** Runs a command to completion with node:child_process (before node_modules, and so zx, exists). */
function runPlain(cmd, args, { cwd = repo, env = process.env, label } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const t0 = Date.now();
    const beat = setInterval(() => say(`${label}: still working (${Math.round((Date.now() - t0) / 1000)} s)`), 15000);
    child.on('error', (err) => {
      clearInterval(beat);
      resolve({ ok: false, output: String(err) });
    });
    child.on('close', (code) => {
      clearInterval(beat);
      resolve({ ok: code === 0, output });
    });
  });
}

/** Runs a command to completion through zx, with a heartbeat so a long build never looks hung. */
async function zxRunner() {
  const { $ } = await import('zx');
  return async (cmd, args, { cwd = repo, env = process.env, label } = {}) => {
    const t0 = Date.now();
    const beat = setInterval(() => say(`${label}: still working (${Math.round((Date.now() - t0) / 1000)} s)`), 15000);
    try {
      const r = await $({ cwd, env, nothrow: true, quiet: true })`${cmd} ${args}`;
      return { ok: r.exitCode === 0, output: `${r.stdout}${r.stderr}` };
    } catch (err) {
      return { ok: false, output: String(err) };
    } finally {
      clearInterval(beat);
    }
  };
}

/** How the steps run commands: node:child_process until `npm ci` has installed zx, then zx. */
let run = runPlain;

function versionOf(cmd, args, pattern) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const m = `${r.stdout}${r.stderr}`.match(pattern);
  return m ? m.slice(1).map(Number) : undefined;
}

const atLeast = (have, want) => have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
const tail = (text) => text.trim().split('\n').slice(-15).join('\n');

/**
 * Node NODE_VERSION from the npm registry (the package node-<platform>-<arch> holds the official binary), unpacked
 * into the cache; the system's own Node when it is that version already.
 */
async function node24() {
  if (process.versions.node === NODE_VERSION) return process.execPath;
  const dir = join(cacheDir(), `node-v${NODE_VERSION}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin) && versionOf(bin, ['--version'], /^v(\d+)\.(\d+)\.(\d+)/m)?.join('.') === NODE_VERSION) return bin;
  const pkg = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
  say(`node: installing ${NODE_VERSION} (npm package ${pkg})`);
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    let r = await runPlain('npm', ['pack', '--silent', pkg, '--pack-destination', tmp], { label: 'npm pack' });
    if (!r.ok) fail(`npm pack ${pkg} failed:\n${tail(r.output)}`);
    const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    r = await runPlain('tar', ['-xzf', join(tmp, tarball ?? 'missing.tgz'), '-C', tmp, 'package/bin/node', 'package/LICENSE'], {
      label: 'tar',
    });
    if (!r.ok) fail(`unpacking ${pkg} failed:\n${tail(r.output)}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  say(`node: ${NODE_VERSION} at ${bin}`);
  return bin;
}

/** The environment with `node` (and so npm, npx and every `#!/usr/bin/env node`) resolving to `nodeBin`. */
function withNode(nodeBin, env = process.env) {
  return { ...env, PATH: `${dirname(nodeBin)}${delimiter}${env.PATH ?? ''}` };
}

/** `npm ci`: exactly the lock, on a fresh clone as anywhere else; skipped while node_modules is newer than it. */
async function npmPackages(nodeBin) {
  const stamp = join(repo, 'node_modules', '.package-lock.json');
  const lock = join(repo, 'package-lock.json');
  const manifest = join(repo, 'package.json');
  const newest = Math.max(statSync(manifest).mtimeMs, existsSync(lock) ? statSync(lock).mtimeMs : 0);
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return say('npm packages: up to date');
  say('npm packages: npm ci');
  const r = await runPlain('npm', ['ci', '--no-audit', '--no-fund'], { label: 'npm ci', env: withNode(nodeBin) });
  if (!r.ok) fail(`npm ci failed:\n${tail(r.output)}`);
  say('npm packages: installed');
}

function k6VersionAt(path) {
  const r = spawnSync(path, ['version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.match(/k6 (v\d+\.\d+\.\d+)/) || [])[1] : undefined;
}

function requireGo(what) {
  const go = versionOf('go', ['version'], /go(\d+)\.(\d+)/);
  if (!go) fail(`Go is not installed: ${what} comes from its Go module and needs Go ${MIN_GO.join('.')}+`);
  if (!atLeast(go, MIN_GO)) {
    fail(`Go ${go.join('.')} is too old: ${what} needs Go ${MIN_GO.join('.')}+ (Debian's golang package is older; install Go from go.dev)`);
  }
}

/**
 * `go install pkg@version`, falling back to a build inside a one-line module that pins the same version.
 * `go install pkg@version` also looks up the module's newest version to warn about deprecation; a proxy that serves
 * the pinned version but no version list makes that fail. Building inside a module that requires the pinned version
 * skips the lookup and yields the same binary.
 */
async function goInstallPinned({ module, pkg, version, dir, bin, label }) {
  const env = { ...process.env, GOBIN: dir, GOFLAGS: '-trimpath' };
  let r = await run('go', ['install', `${pkg}@${version}`], { cwd: dir, env, label });
  if (!r.ok && /loading deprecation|@v\/list/.test(r.output)) {
    const mod = join(dir, 'build');
    mkdirSync(mod, { recursive: true });
    writeFileSync(join(mod, 'go.mod'), `module crosswind.local/build\n\ngo 1.25\n\nrequire ${module} ${version}\n`);
    r = await run('go', ['build', '-mod=mod', '-o', bin, pkg], { cwd: mod, env, label });
  }
  return r;
}

async function k6() {
  const dir = join(cacheDir(), `k6-${K6_VERSION}`);
  const bin = join(dir, 'k6');
  if (existsSync(bin) && k6VersionAt(bin) === K6_VERSION) return bin;
  const onPath = spawnSync('sh', ['-c', 'command -v k6'], { encoding: 'utf8' }).stdout.trim();
  if (onPath && k6VersionAt(onPath) === K6_VERSION) {
    say(`k6: reusing ${onPath} (${K6_VERSION})`);
    return onPath;
  }
  requireGo(`k6 ${K6_VERSION}`);
  mkdirSync(dir, { recursive: true });
  say(`k6: building ${K6_VERSION} from go.k6.io/k6/v2 (the first build takes a few minutes)`);
  const r = await goInstallPinned({ module: 'go.k6.io/k6/v2', pkg: 'go.k6.io/k6/v2', version: K6_VERSION, dir, bin, label: 'k6 build' });
  if (!r.ok) fail(`building k6 failed:\n${tail(r.output)}`);
  const built = k6VersionAt(bin);
  if (built !== K6_VERSION) fail(`the k6 just built reports ${built ?? 'no version'}, expected ${K6_VERSION}`);
  say(`k6: built ${K6_VERSION}`);
  return bin;
}

async function moto() {
  const venv = join(cacheDir(), `moto-${MOTO_VERSION}`);
  const python = join(venv, 'bin', 'python');
  const server = join(venv, 'bin', 'moto_server');
  const stamp = join(venv, '.crosswind-installed');
  if (existsSync(stamp) && existsSync(server)) return { python, server };
  const py = versionOf('python3', ['--version'], /Python (\d+)\.(\d+)/);
  if (!py) fail(`Python 3 is not installed: moto ${MOTO_VERSION} needs Python ${MIN_PYTHON.join('.')}+ with venv and pip`);
  if (!atLeast(py, MIN_PYTHON)) fail(`Python ${py.join('.')} is too old: moto needs Python ${MIN_PYTHON.join('.')}+`);
  say(`moto: installing moto[server]==${MOTO_VERSION} into ${venv}`);
  if (!existsSync(python)) {
    const r = await run('python3', ['-m', 'venv', venv], { label: 'venv' });
    if (!r.ok) fail(`python3 -m venv failed (on Debian: apt-get install python3-venv):\n${tail(r.output)}`);
  }
  const r = await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `moto[server]==${MOTO_VERSION}`], {
    label: 'pip',
  });
  if (!r.ok) fail(`pip install moto failed:\n${tail(r.output)}`);
  writeFileSync(stamp, `${MOTO_VERSION}\n`);
  say(`moto: installed ${MOTO_VERSION}`);
  return { python, server };
}

function actionlintVersionAt(path) {
  const r = spawnSync(path, ['-version'], { encoding: 'utf8' });
  // actionlint prints its version without the leading "v" (e.g. "1.7.12").
  return r.status === 0 ? (r.stdout.match(/^v?(\d+\.\d+\.\d+)/m) || [])[1] : undefined;
}

async function actionlint() {
  const dir = join(cacheDir(), `actionlint-${ACTIONLINT_VERSION}`);
  const bin = join(dir, 'actionlint');
  const want = ACTIONLINT_VERSION.replace(/^v/, '');
  if (existsSync(bin) && actionlintVersionAt(bin) === want) return bin;
  requireGo(`actionlint ${ACTIONLINT_VERSION}`);
  mkdirSync(dir, { recursive: true });
  say(`actionlint: building ${ACTIONLINT_VERSION} from github.com/rhysd/actionlint`);
  const r = await goInstallPinned({
    module: 'github.com/rhysd/actionlint',
    pkg: 'github.com/rhysd/actionlint/cmd/actionlint',
    version: ACTIONLINT_VERSION,
    dir,
    bin,
    label: 'actionlint build',
  });
  if (!r.ok) fail(`building actionlint failed:\n${tail(r.output)}`);
  const built = actionlintVersionAt(bin);
  if (built !== want) fail(`the actionlint just built reports ${built ?? 'no version'}, expected ${want}`);
  say(`actionlint: built ${ACTIONLINT_VERSION}`);
  return bin;
}

async function cfnLint() {
  const venv = join(cacheDir(), `cfn-lint-${CFN_LINT_VERSION}`);
  const python = join(venv, 'bin', 'python');
  const bin = join(venv, 'bin', 'cfn-lint');
  const stamp = join(venv, '.crosswind-installed');
  if (existsSync(stamp) && existsSync(bin)) return bin;
  const py = versionOf('python3', ['--version'], /Python (\d+)\.(\d+)/);
  if (!py) fail(`Python 3 is not installed: cfn-lint ${CFN_LINT_VERSION} needs Python ${MIN_PYTHON.join('.')}+ with venv and pip`);
  say(`cfn-lint: installing cfn-lint==${CFN_LINT_VERSION} into ${venv}`);
  if (!existsSync(python)) {
    const r = await run('python3', ['-m', 'venv', venv], { label: 'venv' });
    if (!r.ok) fail(`python3 -m venv failed (on Debian: apt-get install python3-venv):\n${tail(r.output)}`);
  }
  const r = await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `cfn-lint==${CFN_LINT_VERSION}`], {
    label: 'pip',
  });
  if (!r.ok) fail(`pip install cfn-lint failed:\n${tail(r.output)}`);
  writeFileSync(stamp, `${CFN_LINT_VERSION}\n`);
  say(`cfn-lint: installed ${CFN_LINT_VERSION}`);
  return bin;
}

/** Debian's Chromium, for the browser test of the HTML report; playwright-core drives it and never downloads one. */
async function chromium() {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).stdout.trim();
  if (!apt) fail(`Chromium is missing (${CHROMIUM_PATH}) and apt-get is not available: install Debian's chromium package`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    fail(`Chromium is missing (${CHROMIUM_PATH}): run 'sudo apt-get install -y chromium' (installing it needs root)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  say('chromium: installing the Debian package');
  let r = await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, label: 'apt-get' });
  if (!r.ok) {
    // A fresh machine has no package lists yet; refresh them only then, since `apt-get update` is slow.
    say('chromium: refreshing the package lists (apt-get update)');
    const u = await run('apt-get', ['update'], { env, label: 'apt-get update' });
    if (!u.ok) fail(`apt-get update failed:\n${tail(u.output)}`);
    r = await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, label: 'apt-get' });
  }
  if (!r.ok || !existsSync(CHROMIUM_PATH)) fail(`apt-get install chromium failed:\n${tail(r.output)}`);
  say('chromium: installed');
  return CHROMIUM_PATH;
}

/** k6-operator's TestRun CRD, taken from the operator's Go module: the generated manifests are validated against it. */
async function testRunCrd() {
  const dir = join(cacheDir(), `k6-operator-${K6_OPERATOR_VERSION}`);
  const file = join(dir, 'k6.io_testruns.yaml');
  if (existsSync(file)) return file;
  requireGo(`the k6-operator ${K6_OPERATOR_VERSION} CRD`);
  mkdirSync(dir, { recursive: true });
  say(`k6-operator: downloading ${K6_OPERATOR_VERSION} from github.com/grafana/k6-operator for its TestRun CRD`);
  const module = `github.com/grafana/k6-operator@${K6_OPERATOR_VERSION}`;
  // -json prints where the module landed; outside a module `go mod download` takes an explicit module@version.
  const r = spawnSync('go', ['mod', 'download', '-json', module], { cwd: dir, encoding: 'utf8' });
  let moduleDir;
  try {
    moduleDir = JSON.parse(r.stdout).Dir;
  } catch {}
  const crd = moduleDir && join(moduleDir, 'config', 'crd', 'bases', 'k6.io_testruns.yaml');
  if (r.status !== 0 || !crd || !existsSync(crd)) fail(`downloading ${module} failed:\n${tail(`${r.stdout ?? ''}${r.stderr ?? ''}`)}`);
  copyFileSync(crd, file);
  say(`k6-operator: TestRun CRD at ${file}`);
  return file;
}

const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 20) fail(`Node ${process.versions.node} is too old to run the bootstrap: it needs Node 20+`);
const runIndex = process.argv.indexOf('--run');
const script = runIndex > 0 ? process.argv[runIndex + 1] : undefined;
const scriptArgs = runIndex > 0 ? process.argv.slice(runIndex + 2) : [];

const nodeBin = await node24();
await npmPackages(nodeBin);
run = await zxRunner();
const [k6Bin, motoTools, actionlintBin, cfnLintBin, chromiumBin, crdFile] = await Promise.all([
  k6(),
  moto(),
  actionlint(),
  cfnLint(),
  chromium(),
  testRunCrd(),
]);
const tools = {
  schema: TOOLCHAIN_SCHEMA,
  k6: k6Bin,
  k6Version: K6_VERSION,
  motoServer: motoTools.server,
  motoVersion: MOTO_VERSION,
  python: motoTools.python,
  actionlint: actionlintBin,
  actionlintVersion: ACTIONLINT_VERSION,
  cfnLint: cfnLintBin,
  cfnLintVersion: CFN_LINT_VERSION,
  chromium: chromiumBin,
  testRunCrd: crdFile,
  k6OperatorVersion: K6_OPERATOR_VERSION,
  node: nodeBin,
  nodeVersion: NODE_VERSION,
};
const file = toolchainFile();
const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
const next = `${JSON.stringify(tools, null, 2)}\n`;
if (previous !== next) writeFileSync(file, next);
say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: k6 ${K6_VERSION} at ${k6Bin}, moto ${MOTO_VERSION} at ${motoTools.server}`);
say(
  `ready: actionlint ${ACTIONLINT_VERSION} at ${actionlintBin}, cfn-lint ${CFN_LINT_VERSION} at ${cfnLintBin}, chromium at ${chromiumBin}, k6-operator CRD at ${crdFile}`,
);
say(`ready: node ${NODE_VERSION} at ${nodeBin}`);

if (script) {
  say(`running npm run ${script} on node ${NODE_VERSION}`);
  const child = spawn('npm', ['run', script, ...(scriptArgs.length ? ['--', ...scriptArgs] : [])], {
    cwd: repo,
    stdio: 'inherit',
    env: withNode(nodeBin),
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
