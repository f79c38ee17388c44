// `npm run demo`: the README's main command. Starts the sandbox, runs a game day (us-east-1 out), then two rollouts
// (a good version approved everywhere in order; a bad one, 300 ms slower, rolled back in the first region with the
// others untouched), prints each verdict, leaves the reports in .crosswind/runs/, and stops the sandbox.
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { readVersion } from '../pipelines/version.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import { toolchain } from './toolchain.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CONFIG = 'examples/demo.config.yaml';
const started = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** Runs the crosswind CLI as a user would, its output straight to the terminal; resolves its exit code. */
async function crosswind(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  // The built CLI (npm run demo builds it first). The children inherit the demo's environment (see main).
  const run = await $({
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
    nothrow: true,
  })`${process.execPath} dist/cli/bin.js ${args}`;
  return run.exitCode ?? 1;
}

interface Step {
  name: string;
  /** The exit codes the step may honestly end with. */
  expected: number[];
  got?: number;
}

async function main(): Promise<number> {
  // The SDK's note about future Node versions says nothing about the demo; keep the output to what crosswind saw.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // crosswind finds k6 and the sandbox finds moto as users name theirs: here, the ones the bootstrap installed.
  const tools = toolchain();
  process.env.CROSSWIND_K6 ??= tools.k6;
  process.env.CROSSWIND_MOTO ??= tools.motoServer;
  say('crosswind demo: a local multi-region world, a game day and two rollouts\n');
  // The sandbox's ground truth (health and routing changes) interleaves with the running command's live progress
  // line on the same terminal: clear that line first so neither garbles the other.
  const clear = process.stdout.isTTY ? '\r\x1b[2K' : '';
  // The namespace world where it can be made (Linux, root): vantages are network places and k6 resolves for itself.
  const sandbox = await startSandbox({ log: (l) => say(`${clear}sandbox: ${l}`), version: '1.0.0', world: 'auto' });
  say(
    `sandbox ready in ${(sandbox.readyMs / 1000).toFixed(1)} s (${sandbox.state.world} world): ${sandbox.state.regions.map((r) => r.name).join(', ')}; vantages ${sandbox.state.vantages.map((v) => v.name).join(', ')}\n`,
  );
  const steps: Step[] = [
    // Approved on the fresh and record-TTL clients; the k6-default profile, whose 5-minute DNS cache keeps it on
    // us-east-1, is informational and named as a warning. A client that fails over within a second may have sent too
    // few requests in its transition to show the transition error bound: then the verdict is inconclusive (4),
    // saying how many would be needed, never approved without them.
    { name: 'game day: us-east-1 out, three client profiles', expected: sandbox.state.world === 'netns' ? [0, 4] : [0] },
    { name: 'rollout 1.1.0 (good)', expected: [0] },
    { name: 'rollout 1.2.0 (bad: +300 ms)', expected: [1] },
  ];
  // Ctrl-C reaches the running crosswind command too (same terminal): it restores what it changed and exits; the
  // demo then skips the remaining steps and still stops the sandbox.
  let interrupted = false;
  process.on('SIGINT', () => {
    interrupted = true;
    say('\ninterrupted: letting the running step restore, then stopping the sandbox');
  });
  const args: [string[], NodeJS.ProcessEnv][] = [
    [['gameday', '--config', CONFIG, '--yes'], {}],
    [['rollout', '--config', CONFIG, '--version', '1.1.0', '--yes'], {}],
    [['rollout', '--config', CONFIG, '--version', '1.2.0', '--yes'], { DEPLOY_FLAGS: '--added-latency-ms 300' }],
  ];
  try {
    for (const [i, step] of steps.entries()) {
      if (interrupted) break;
      const [argv, env] = args[i] as [string[], NodeJS.ProcessEnv];
      say(`\n== [${elapsed()}] ${step.name}: crosswind ${argv.join(' ')}`);
      step.got = await crosswind(argv, env);
    }
    say('');
    for (const r of sandbox.state.regions) say(`${r.name} now runs ${await readVersion(r.endpoint, '/version')}`);
  } finally {
    await sandbox.stop();
    say(`sandbox stopped`);
  }
  say('');
  let ok = true;
  for (const s of steps) {
    const met = s.got !== undefined && s.expected.includes(s.got);
    ok &&= met;
    say(`${met ? 'ok  ' : 'FAIL'} ${s.name}: exit ${s.got ?? '-'} (expected ${s.expected.join(' or ')})`);
  }
  say(`\ndemo ${ok ? 'passed' : 'FAILED'} in ${elapsed()}; reports in .crosswind/runs/`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 3;
  },
);
