// The one place that knows which tools crosswind runs (k6, moto, the CI template linters, Chromium, the k6-operator
// CRD), and where they live.
// Plain JavaScript so the bootstrap can use it before node_modules exists.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** k6 on the v2 line; the newest v2 release the Go module proxy serves. @types/k6 is pinned to the same minor. */
export const K6_VERSION = 'v2.2.0';
/** The AWS API emulator behind the sandbox and the integration tests. */
export const MOTO_VERSION = '5.2.5';
/** k6 v2 declares `go 1.25.0` in its go.mod. */
export const MIN_GO = [1, 25];
export const MIN_PYTHON = [3, 9];
/** The GitHub Actions workflow linter, built from its Go module; the CI templates are checked with it. */
export const ACTIONLINT_VERSION = 'v1.7.12';
/** The CloudFormation linter, from PyPI, for the CodePipeline template. */
export const CFN_LINT_VERSION = '1.58.0';
/** k6-operator, whose TestRun CRD `crosswind k6-operator` manifests are checked against; the newest the Go module proxy serves. */
export const K6_OPERATOR_VERSION = 'v0.0.19';
/** Debian's `chromium` package installs here; the HTML report's browser test drives it with playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The Node the suite, the demo and the bench run on (the npm package node-<platform>-<arch>); a maintained LTS line. */
export const NODE_VERSION = '24.22.3';
/** Bumped whenever the set of tools changes, so a toolchain file written by an older bootstrap is re-resolved. */
export const TOOLCHAIN_SCHEMA = 4;

/** Cache outside the repo, shared by every clone: CROSSWIND_CACHE, else $XDG_CACHE_HOME/crosswind, else ~/.cache/crosswind. */
export function cacheDir(env = process.env) {
  if (env.CROSSWIND_CACHE) return env.CROSSWIND_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'crosswind');
}

/**
 * Where the bootstrap records the tools it resolved. The schema is in the name: clones at different commits share
 * the cache, and one bootstrapping a newer tool set must not pull the record from under another's running tests.
 */
export function toolchainFile(env = process.env) {
  return join(cacheDir(env), `toolchain.v${TOOLCHAIN_SCHEMA}.json`);
}

/**
 * @typedef {{
 *   schema: number,
 *   k6: string, k6Version: string,
 *   motoServer: string, motoVersion: string, python: string,
 *   actionlint: string, actionlintVersion: string,
 *   cfnLint: string, cfnLintVersion: string,
 *   chromium: string,
 *   testRunCrd: string, k6OperatorVersion: string,
 *   node: string, nodeVersion: string,
 * }} Toolchain
 */

/**
 * The resolved tools, as the bootstrap left them. Throws with the command to run when the bootstrap has not run,
 * so a test that needs k6 or moto fails instead of skipping.
 * @returns {Toolchain}
 */
export function toolchain(env = process.env) {
  const file = toolchainFile(env);
  if (!existsSync(file)) {
    throw new Error(`the toolchain is not installed yet (no ${file}): run 'node scripts/bootstrap.mjs'`);
  }
  /** @type {Toolchain} */
  const tools = JSON.parse(readFileSync(file, 'utf8'));
  if (
    tools.schema !== TOOLCHAIN_SCHEMA ||
    tools.k6Version !== K6_VERSION ||
    tools.motoVersion !== MOTO_VERSION ||
    tools.actionlintVersion !== ACTIONLINT_VERSION ||
    tools.cfnLintVersion !== CFN_LINT_VERSION ||
    tools.k6OperatorVersion !== K6_OPERATOR_VERSION ||
    tools.nodeVersion !== NODE_VERSION
  ) {
    throw new Error(
      `the cached toolchain is out of date (k6 ${tools.k6Version}, moto ${tools.motoVersion}, actionlint ${tools.actionlintVersion}, cfn-lint ${tools.cfnLintVersion}, k6-operator ${tools.k6OperatorVersion}): run 'node scripts/bootstrap.mjs'`,
    );
  }
  for (const path of [tools.k6, tools.motoServer, tools.actionlint, tools.cfnLint, tools.chromium, tools.testRunCrd, tools.node]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run 'node scripts/bootstrap.mjs'`);
  }
  return tools;
}
