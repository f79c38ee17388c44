// The probe's memory over a long run: `crosswind probe --cycles 200` against the sandbox, sampling the resident
// memory of the crosswind process and of each cycle's k6 from /proc. A long single k6 run grows (k6 issues 2367,
// 4670); the probe runs short cycles and judges a sliding window of cycle files, so neither should grow with the
// cycle count. Growth is a least-squares slope of each cycle's peak over the cycles, with its standard error, so a
// leak shows as a slope whose upper bound is above zero rather than as a difference of two noisy samples.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { BenchOutcome } from '../scripts/bench.ts';

// The built CLI: `npm run bench` builds it first.
const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const CYCLES = 200;
/** A slope whose upper bound (slope + 2 standard errors) stays under this leaks less than 10 MB in 200 cycles. */
const MAX_SLOPE_MB_PER_CYCLE = 0.05;

/** Least-squares slope of ys over xs and its standard error. */
function leastSquares(xs: number[], ys: number[]): { slope: number; stderr: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const slope = sxy / sxx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - my - slope * ((xs[i] as number) - mx)) ** 2;
  return { slope, stderr: Math.sqrt(sse / (n - 2) / sxx) };
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Child processes of `pid` whose command is k6. */
function k6Children(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && stat.includes('(k6)')) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const dir = await mkdtemp(join(tmpdir(), 'crosswind-bench-probe-'));
const state = join(dir, 'state.json');
const sandbox = await startSandbox({ stateFile: state });
let outcome: BenchOutcome;
try {
  await writeFile(
    join(dir, 'crosswind.config.json'),
    JSON.stringify({
      project: 'bench',
      sandbox: { state },
      synthetics: { globalTraffic: { path: '/version' } },
      probe: { cycleDuration: '1s', rate: 10, windowCycles: 3, minSamples: 5, cloudwatch: { namespace: 'Crosswind/Bench' } },
    }),
  );
  const child = spawn(process.execPath, [BIN, 'probe', '--cycles', String(CYCLES)], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  // Per cycle (counted from the probe's "cycle N:" lines): the crosswind process's RSS and the k6 peak RSS.
  const node: number[][] = [];
  const k6Peak = new Map<number, number>();
  const k6Cycle = new Map<number, number>();
  while (!done) {
    const cycle = (stdout.match(/^cycle \d+:/gm) ?? []).length;
    const rss = rssMb(child.pid as number);
    if (rss !== undefined) {
      const samples = node[cycle] ?? [];
      samples.push(rss);
      node[cycle] = samples;
    }
    for (const pid of k6Children(child.pid as number)) {
      const r = rssMb(pid);
      if (r === undefined) continue;
      if (!k6Cycle.has(pid)) k6Cycle.set(pid, cycle);
      k6Peak.set(pid, Math.max(k6Peak.get(pid) ?? 0, r));
    }
    await sleep(100);
  }
  const code = await exited;
  if (code !== 0 && code !== 1 && code !== 4) throw new Error(`probe exited ${code}:\n${stdout}`);
  const maxOf = (xs: number[] | undefined) => (xs?.length ? Math.max(...xs) : Number.NaN);
  // Past the first cycles (start-up, the window filling): one point per cycle, the process's peak in it.
  const cycles: number[] = [];
  const peaksByCycle: number[] = [];
  for (let c = 4; c < CYCLES; c++) {
    const peak = maxOf(node[c]);
    if (Number.isNaN(peak)) continue;
    cycles.push(c);
    peaksByCycle.push(peak);
  }
  const crosswind = leastSquares(cycles, peaksByCycle);
  const ordered = [...k6Peak.entries()].sort((a, b) => (k6Cycle.get(a[0]) ?? 0) - (k6Cycle.get(b[0]) ?? 0));
  const k6 = leastSquares(
    ordered.map(([pid]) => k6Cycle.get(pid) ?? 0),
    ordered.map(([, mb]) => mb),
  );
  const measured = {
    cycles: CYCLES,
    load1m: Number((loadavg()[0] ?? 0).toFixed(2)),
    crosswindRssFirstCyclesMb: Number(Math.max(...peaksByCycle.slice(0, 5)).toFixed(1)),
    crosswindRssLastCyclesMb: Number(Math.max(...peaksByCycle.slice(-5)).toFixed(1)),
    crosswindRssSlopeMbPerCycle: Number(crosswind.slope.toFixed(4)),
    crosswindRssSlopeStderr: Number(crosswind.stderr.toFixed(4)),
    k6Runs: ordered.length,
    k6PeakRssSlopeMbPerCycle: Number(k6.slope.toFixed(4)),
    k6PeakRssSlopeStderr: Number(k6.stderr.toFixed(4)),
  };
  process.stderr.write(`probe memory: ${JSON.stringify(measured)}\n`);
  const upper = (f: { slope: number; stderr: number }) => f.slope + 2 * f.stderr;
  outcome = {
    name: 'probe-memory',
    measured,
    targets: {
      crosswindRssSlopeMbPerCycle: `slope + 2 stderr <= ${MAX_SLOPE_MB_PER_CYCLE}`,
      k6PeakRssSlopeMbPerCycle: `slope + 2 stderr <= ${MAX_SLOPE_MB_PER_CYCLE}`,
    },
    met: upper(crosswind) <= MAX_SLOPE_MB_PER_CYCLE && upper(k6) <= MAX_SLOPE_MB_PER_CYCLE,
  };
} finally {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
