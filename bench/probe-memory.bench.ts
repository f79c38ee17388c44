// The probe's memory over a long run: `crosswind probe --cycles N` against the sandbox, sampling the resident memory
// of the crosswind process and of each cycle's k6 from /proc. A long single k6 run grows (k6 issues 2367, 4670); the
// probe runs short cycles and judges a sliding window of cycle files, so neither should grow with the cycle count.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { BenchOutcome } from '../scripts/bench.ts';

// The built CLI: `npm run bench` builds it first.
const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const CYCLES = 12;

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
      probe: { cycleDuration: '2s', rate: 10, windowCycles: 3, minSamples: 5, cloudwatch: { namespace: 'Crosswind/Bench' } },
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
  const early = Math.max(maxOf(node[1]), maxOf(node[2]), maxOf(node[3]));
  const late = Math.max(maxOf(node[CYCLES - 3]), maxOf(node[CYCLES - 2]), maxOf(node[CYCLES - 1]));
  const peaks = [...k6Peak.entries()].sort((a, b) => (k6Cycle.get(a[0]) ?? 0) - (k6Cycle.get(b[0]) ?? 0)).map(([, mb]) => mb);
  const k6First = Math.max(...peaks.slice(0, 3));
  const k6Last = Math.max(...peaks.slice(-3));
  const measured = {
    cycles: CYCLES,
    crosswindRssEarlyMb: Number(early.toFixed(1)),
    crosswindRssLateMb: Number(late.toFixed(1)),
    crosswindRssGrowthMb: Number((late - early).toFixed(1)),
    k6Runs: peaks.length,
    k6PeakRssFirstCyclesMb: Number(k6First.toFixed(1)),
    k6PeakRssLastCyclesMb: Number(k6Last.toFixed(1)),
  };
  process.stderr.write(`probe memory: ${JSON.stringify(measured)}\n`);
  outcome = {
    name: 'probe-memory',
    measured,
    targets: { crosswindRssGrowthMb: '<= 20', k6PeakRssLastCyclesMb: '<= 1.2 x k6PeakRssFirstCyclesMb' },
    met: late - early <= 20 && k6Last <= 1.2 * k6First,
  };
} finally {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
