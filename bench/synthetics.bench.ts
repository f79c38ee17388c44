// The cost of crosswind's instrumentation in k6, and of watching k6 live, against one sandbox region app (in its
// own process, so this process's CPU is crosswind's alone):
// - `cpuRatio`: at a fixed arrival rate both sustain, k6's CPU time per request, global-traffic.ts with its real
//   thresholds (the configured defaults, repeated per vantage) over a matched bare script (same URL, executor, VUs,
//   system tags and `name` tag, bodies discarded the same way). CPU per request is stable where saturated request
//   rates are not. The three scripts of a round run side by side, at the same time, each at a rate the machine
//   sustains for all three: this VM's speed drifts from one run to the next, and runs at the same moment see the
//   same speed (over 6 rounds here, global/bare ratios ranged 1.11-1.43 run one after another, 1.18-1.25 and
//   1.19-1.34 side by side; the medians agreed, 1.22-1.28 and 1.20-1.22). Ratio per round, median and min reported.
//   The floor is the bare script plus only the two samples crosswind adds to each request, with constant tags: the
//   part of the cost that no script work can remove while every request carries its serving region.
// - the live tail: global-traffic at 1,000 requests per second while crosswind tails its output through the same
//   scanner as the judged read (the game day's live progress folds every point), CPU of k6 and of crosswind, and
//   how long after k6's exit the tail had read everything.
import { type SpawnOptions, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../config/resolve.ts';
import { foldPoint, newTally, REQUEST_FAILED } from '../pipelines/progress.ts';
import { freePort } from '../sandbox/ports.ts';
import { spawnRegionApp } from '../sandbox/region-app/process.ts';
import type { BenchOutcome } from '../scripts/bench.ts';
import { buildPlan, type K6RunResult, startK6Run } from '../synthetics/k6.ts';
import { readInto } from '../validations/read-points.ts';

const CPU_ROUNDS = 6;
// Per script: three at once, with the region app, on this machine's two cores, short of saturating them.
const CPU_RATE = 240;
const CPU_DURATION_MS = 10_000;
const LIVE_RATE = 1000;
const LIVE_DURATION_MS = 15_000;
const VUS = 8;
const BARE = fileURLToPath(new URL('../test/fixtures/k6/bare-get.ts', import.meta.url));
const FLOOR = fileURLToPath(new URL('../test/fixtures/k6/bare-two-samples.ts', import.meta.url));
const PATH = '/version';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const timedSpawn = (command: string, args: string[], options: SpawnOptions) =>
  spawn('bash', ['-c', '"$0" "$@"; code=$?; times >&2; exit $code', command, ...args], options);

function cpuSeconds(stderrTail: string): number {
  const lines = stderrTail.trim().split('\n');
  const children = lines.at(-1)?.match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/);
  if (!children) throw new Error(`no CPU times at the end of k6's stderr: ${lines.slice(-2).join(' | ')}`);
  const [, um, us, sm, ss] = children.map(Number) as [number, number, number, number, number];
  return um * 60 + us + sm * 60 + ss;
}

function requests(result: K6RunResult): { count: number; rate: number } {
  if (result.kind !== 'ok' && result.kind !== 'thresholds-failed') throw new Error(`k6 run ended ${result.kind}: ${result.stderrTail}`);
  const reqs = result.summary?.metrics.http_reqs;
  if (typeof reqs?.count !== 'number' || typeof reqs.rate !== 'number') throw new Error('no http_reqs in the k6 summary');
  return { count: reqs.count, rate: reqs.rate };
}

/** Requests of a run at the fixed rate, which must have held it: CPU per request at saturation measures another thing. */
function requestsAtRate(result: K6RunResult, rate: number, durationMs: number): number {
  const { count } = requests(result);
  const expected = (rate * durationMs) / 1000;
  if (count < 0.98 * expected)
    throw new Error(`k6 sent ${count} requests of the ${expected} its fixed rate asks for: the machine is saturated`);
  return count;
}

const publicPort = await freePort();
const app = await spawnRegionApp({
  region: 'us-east-1',
  version: 'bench',
  publicPort,
  adminSocket: join(tmpdir(), `cw-bench-${process.pid}.sock`),
  peers: [],
  replicationLagMs: 0,
});
const endpoint = `http://127.0.0.1:${publicPort}`;
const config = resolveConfig({
  project: 'bench',
  aws: { accountIds: ['123456789012'] },
  regions: [{ name: 'us-east-1', endpoint }],
  vantages: [{ name: 'vantage-bench', endpoint }],
  // Kept-alive connections for both: a new connection per request would exhaust loopback ports at these rates,
  // and reuse makes each request cheaper, so the instrumentation's share of the cost is larger (a stricter test).
  synthetics: { http: { noConnectionReuse: false }, globalTraffic: { path: PATH } },
});

function globalPlan(rate: number, durationMs: number) {
  // No thresholds override: the scenario's real, configured thresholds, per vantage.
  const plan = buildPlan(config, { scenario: 'global-traffic', durationMs, ratePerSecond: rate, maxVUs: Math.max(VUS, rate / 20) });
  // preAllocated = max: no VU is initialised mid-run.
  if (plan.scenario === 'global-traffic') plan.rate.preAllocatedVUs = plan.rate.maxVUs;
  return plan;
}

/** A bare run, a floor run and a global-traffic run, side by side at CPU_RATE for CPU_DURATION_MS: k6 CPU per request of each. */
async function sideBySide(runDir: string, round: number) {
  const plan = globalPlan(CPU_RATE, CPU_DURATION_MS);
  const env = {
    TARGET: `${endpoint}${PATH}`,
    NAME: PATH,
    RATE: String(CPU_RATE),
    DURATION_MS: String(CPU_DURATION_MS),
    VUS: String(plan.scenario === 'global-traffic' ? plan.rate.maxVUs : VUS),
    TIMEOUT_MS: String(config.synthetics.http.timeout),
    NO_CONNECTION_REUSE: 'false',
  };
  const load = loadavg()[0] ?? 0;
  const run = async (name: string, script?: string) =>
    (await startK6Run({ plan, runDir, name: `${name}-${round}`, ...(script ? { script, env } : {}), signals: null, spawn: timedSpawn }))
      .done;
  const perRequest = (r: K6RunResult) => (cpuSeconds(r.stderrTail) / requestsAtRate(r, CPU_RATE, CPU_DURATION_MS)) * 1e6;
  const [bare, floor, global] = await Promise.all([run('bare', BARE), run('floor', FLOOR), run('global')]);
  const cpu = { bare: perRequest(bare), floor: perRequest(floor), global: perRequest(global) };
  return { ...cpu, load };
}

/** global-traffic at LIVE_RATE with the live progress folding every point it tails, as a game day does. */
async function live(runDir: string) {
  const plan = globalPlan(LIVE_RATE, LIVE_DURATION_MS);
  const load = loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const run = await startK6Run({ plan, runDir, name: 'live', signals: null, spawn: timedSpawn, liveMetrics: [REQUEST_FAILED] });
  let exitedAt = 0;
  void run.done.then(() => {
    exitedAt = performance.now();
  });
  const tally = newTally();
  let seen = 0;
  for await (const p of run.points) {
    foldPoint(tally, p);
    seen++;
  }
  const tailDoneAt = performance.now();
  const used = process.cpuUsage(cpu);
  const result = await run.done;
  const wall = (tailDoneAt - started) / 1000;
  let written = 0;
  await readInto(run.files.ndjson, () => written++, { metrics: new Set([REQUEST_FAILED]) });
  if (written !== seen) throw new Error(`the tail saw ${seen} request_failed points, the file holds ${written}`);
  const k6Cpu = cpuSeconds(result.stderrTail);
  return {
    requests: requests(result).count,
    seconds: wall,
    crosswindCores: (used.user + used.system) / 1e6 / wall,
    k6Cores: k6Cpu / wall,
    tailLagAfterExitMs: Math.max(0, tailDoneAt - exitedAt),
    load,
  };
}

const runDir = await mkdtemp(join(tmpdir(), 'crosswind-bench-synthetics-'));
const rounds: { bare: number; floor: number; global: number; load: number }[] = [];
let watched: Awaited<ReturnType<typeof live>>;
try {
  for (let round = 1; round <= CPU_ROUNDS; round++) {
    const r = await sideBySide(runDir, round);
    rounds.push(r);
    process.stderr.write(
      `cpu round ${round}: bare ${r.bare.toFixed(0)} us/request, floor ${r.floor.toFixed(0)}, global-traffic ${r.global.toFixed(0)}, ratio ${(r.global / r.bare).toFixed(3)} (floor ${(r.floor / r.bare).toFixed(3)}), load ${r.load.toFixed(2)}\n`,
    );
  }
  watched = await live(runDir);
  process.stderr.write(`live tail: ${JSON.stringify(watched)}\n`);
} finally {
  await app.stop();
  await rm(runDir, { recursive: true, force: true });
}

const ratios = rounds.map((r) => r.global / r.bare);
const cpuRatio = median(ratios);
const floorRatios = rounds.map((r) => r.floor / r.bare);
const measured = {
  cpuRatio: Number(cpuRatio.toFixed(3)),
  cpuRatioMin: Number(Math.min(...ratios).toFixed(3)),
  cpuRatioMax: Number(Math.max(...ratios).toFixed(3)),
  floorRatio: Number(median(floorRatios).toFixed(3)),
  floorRatioMin: Number(Math.min(...floorRatios).toFixed(3)),
  bareCpuUsPerRequestMedian: Math.round(median(rounds.map((r) => r.bare))),
  bareCpuUsPerRequestMin: Math.round(Math.min(...rounds.map((r) => r.bare))),
  floorCpuUsPerRequestMedian: Math.round(median(rounds.map((r) => r.floor))),
  globalTrafficCpuUsPerRequestMedian: Math.round(median(rounds.map((r) => r.global))),
  globalTrafficCpuUsPerRequestMin: Math.round(Math.min(...rounds.map((r) => r.global))),
  cpuRounds: CPU_ROUNDS,
  cpuRatePerSecond: CPU_RATE,
  cpuDurationMs: CPU_DURATION_MS,
  cpuScriptsSideBySide: 3,
  cpuLoad1mMedian: Number(median(rounds.map((r) => r.load)).toFixed(2)),
  liveRatePerSecond: LIVE_RATE,
  liveRequests: watched.requests,
  liveRequestsPerSecondAchieved: Math.round(watched.requests / watched.seconds),
  liveK6Cores: Number(watched.k6Cores.toFixed(3)),
  liveCrosswindCores: Number(watched.crosswindCores.toFixed(3)),
  liveTailLagAfterExitMs: Math.round(watched.tailLagAfterExitMs),
  liveLoad1m: Number(watched.load.toFixed(2)),
};
const outcome: BenchOutcome = {
  name: 'synthetics',
  measured,
  targets: {
    cpuRatio: '<= 1.15',
    liveK6Cores: 'liveK6Cores + liveCrosswindCores <= 1 (one of two cores to spare)',
    liveTailLagAfterExitMs: '<= 1000',
  },
  met: cpuRatio <= 1.15 && watched.k6Cores + watched.crosswindCores <= 1 && watched.tailLagAfterExitMs <= 1000,
};
process.stdout.write(`${JSON.stringify(outcome)}\n`);
