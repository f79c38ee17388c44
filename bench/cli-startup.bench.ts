// How fast the installed command starts: `crosswind --help` through the bin link npm made in a project that installed
// the packed tarball (and through npx), side by side with `node -e 0`, the floor any Node CLI pays. Whole processes,
// interleaved (node, crosswind, npx, node, ...) so the machine's load falls on all of them alike; min and median of
// each; the ratio to `node -e 0` is the figure. Each run's answer is checked: exit 0, and the usage text for crosswind.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import type { BenchOutcome } from '../scripts/bench.ts';
import { installedCrosswind } from '../test/support/installed.ts';

const ROUNDS = 15;
/** The target: `crosswind --help` through the installed bin within this many times `node -e 0` (best of the rounds). */
const MAX_RATIO = 5;

const { bin, project } = await installedCrosswind();
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };

/** Runs a command to its end; resolves the wall time in ms, after checking its exit code and output. */
function timed(cmd: string, args: string[], expectOut: RegExp | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', () => {});
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0 || (expectOut && !expectOut.test(out))) reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${out}`));
      else resolve(ms);
    });
  });
}

const min = (xs: number[]) => Math.min(...xs);
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
const round2 = (x: number) => Math.round(x * 100) / 100;

const usage = /^Usage: crosswind \[options\] \[command\]/m;
const node: number[] = [];
const help: number[] = [];
const npx: number[] = [];
// One unmeasured round warms the file cache for all three.
await timed(process.execPath, ['-e', '0'], undefined);
await timed(bin, ['--help'], usage);
await timed('npx', ['crosswind', '--help'], usage);
for (let i = 0; i < ROUNDS; i++) {
  node.push(await timed(process.execPath, ['-e', '0'], undefined));
  help.push(await timed(bin, ['--help'], usage));
  npx.push(await timed('npx', ['crosswind', '--help'], usage));
}

const measured = {
  rounds: ROUNDS,
  nodeMinMs: round2(min(node)),
  nodeMedianMs: round2(median(node)),
  helpMinMs: round2(min(help)),
  helpMedianMs: round2(median(help)),
  npxHelpMinMs: round2(min(npx)),
  npxHelpMedianMs: round2(median(npx)),
  helpToNodeMinRatio: round2(min(help) / min(node)),
  helpToNodeMedianRatio: round2(median(help) / median(node)),
  npxHelpToNodeMinRatio: round2(min(npx) / min(node)),
};
const outcome: BenchOutcome = {
  name: 'cli-startup',
  measured,
  targets: { helpToNodeMinRatio: `<= ${MAX_RATIO}` },
  met: measured.helpToNodeMinRatio <= MAX_RATIO,
};
console.log(JSON.stringify(outcome));
