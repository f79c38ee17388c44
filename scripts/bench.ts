// `npm run bench [-- name...]`: runs every bench/*.bench.ts (or only those whose file names contain a name given), each
// in its own process (so memory and timing of one do not leak into another), collects the JSON each prints as its
// last stdout line, and records them in bench/results.json.
// A bench measures ratios side by side in one run where it can: timings on a shared 2-core machine are noisy.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { toolchain } from './toolchain.mjs';

/** What a bench prints as its last stdout line. */
export interface BenchOutcome {
  name: string;
  /** Measured values, with units in their names (e.g. `pointsPerSecond`, `peakRssMb`). */
  measured: Record<string, number | string>;
  /** Targets by the same names, as text (e.g. `>= 0.9`). */
  targets: Record<string, string>;
  met: boolean;
}

const benchDir = fileURLToPath(new URL('../bench/', import.meta.url));
const resultsFile = fileURLToPath(new URL('../bench/results.json', import.meta.url));
const only = process.argv.slice(2);

/** Runs one bench in a process of its own, its output shown as it comes; resolves the JSON of its last stdout line. */
async function runBench(file: string): Promise<BenchOutcome> {
  const bench = $({ stdio: ['ignore', 'pipe', 'inherit'], nothrow: true })`${process.execPath} --import tsx ${file}`;
  bench.stdout.pipe(process.stdout);
  const run = await bench;
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as BenchOutcome;
  } catch {
    throw new Error(`${file} exited ${run.exitCode} without a JSON result line`);
  }
}

// The benches run crosswind, k6 and the sandbox as users do: k6 and moto named by the variables users set.
const tools = toolchain();
process.env.CROSSWIND_K6 ??= tools.k6;
process.env.CROSSWIND_MOTO ??= tools.motoServer;

const all = (await readdir(benchDir)).filter((f) => f.endsWith('.bench.ts'));
const files = all.filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
// A name that matches no bench (a typo) stops the run before anything is measured or written.
const unmatched = only.filter((o) => !all.some((f) => f.includes(o)));
if (unmatched.length) {
  const names = all.map((f) => f.replace('.bench.ts', '')).join(', ');
  for (const o of unmatched) process.stderr.write(`bench: no bench is named like "${o}" (the benches: ${names})\n`);
  process.exit(2);
}
const previous = JSON.parse(await readFile(resultsFile, 'utf8').catch(() => '{}')) as Record<string, unknown>;
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
let allMet = true;
const startedAt = new Date().toISOString();
for (const file of files.sort()) {
  process.stderr.write(`bench: ${file}\n`);
  // The machine's load around each bench, beside its figures (a bench that measures in rounds also records the
  // load of each): a figure taken on a busy machine says so.
  const loadAtStart = loadavg()[0] ?? 0;
  const outcome = await runBench(`${benchDir}${file}`);
  const load1m = { atStart: Number(loadAtStart.toFixed(2)), atEnd: Number((loadavg()[0] ?? 0).toFixed(2)) };
  previous[outcome.name] = { ...outcome, measuredAt: new Date().toISOString(), machine, load1m };
  allMet &&= outcome.met;
  process.stderr.write(`bench: ${outcome.name}: ${outcome.met ? 'targets met' : 'TARGETS MISSED'} ${JSON.stringify(outcome.measured)}\n`);
}
// Which benches this run measured, so figures measured together can be told from figures left by earlier runs.
previous.lastRun = { startedAt, endedAt: new Date().toISOString(), benches: files.map((f) => f.replace('.bench.ts', '')), allMet };
await writeFile(resultsFile, `${JSON.stringify(previous, null, 2)}\n`);
process.stderr.write(`bench: results written to bench/results.json\n`);
process.exitCode = allMet ? 0 : 1;
