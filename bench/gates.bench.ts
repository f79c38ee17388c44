// Bench: `crosswind gate` as users run it (the package's bin, a whole process) against DuckDB (`read_ndjson` +
// `quantile_cont`, 2 threads, from PyPI) and jq (the fastest linear jq program) on the same question and the same
// k6-shaped files of 1 M and 5 M points: p(95) and p(99) of `request_duration` and the error rate of `request_failed`
// per `served_by`, and crosswind's default gate set (p(99) http_req_duration, http_req_failed per vantage) against
// DuckDB on the same. Rounds interleave the contenders (A B C A B C ...), after one warm-up round; every contender's
// answer is checked against DuckDB's to the last digit crosswind prints. Wall, CPU and peak RSS come from GNU time,
// the machine's 1-minute load beside each figure. Files go to a temp dir, never the repo.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOutcome } from '../scripts/bench.ts';
import { formatValue, type GateUnit } from '../validations/gates/gate-result.ts';
import { DUCKDB_PROGRAM, duckdbPython } from './duckdb.ts';

// GATES_BENCH_POINTS (comma-separated) is for trying the bench on small files; recorded figures use the default sizes.
const SIZES = process.env.GATES_BENCH_POINTS?.split(',').map(Number) ?? [1_000_000, 5_000_000];
// A round's ratio moved by up to 15 % here from one round to the next: the median of 9 is steadier than that of 5.
const ROUNDS = 9;
const JQ = '/usr/bin/jq';
const JQ_MAX_POINTS = 1_000_000;
const TIME = '/usr/bin/time';
const REPO = fileURLToPath(new URL('../', import.meta.url));
const T0 = Date.UTC(2026, 10, 23, 4, 0, 0);
const DURATION_S = 600;
const FAULT = { at: 300, undo: 450, region: 'us-east-1', vantage: 'vantage-us-east' };
const log = (s: string) => process.stderr.write(`gates.bench: ${s}\n`);

const VANTAGES = ['vantage-us-east', 'vantage-us-west', 'vantage-eu'] as const;
const NEAREST: Record<string, string> = { 'vantage-us-east': 'us-east-1', 'vantage-us-west': 'us-west-2', 'vantage-eu': 'eu-west-1' };
const REQUEST_METRICS = [
  'http_reqs',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'http_req_failed',
] as const;

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same file. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the k6-shaped file: per request the nine http_req* points plus the served_by-tagged twins, as k6 v2 writes them. */
async function generate(path: string, POINTS: number): Promise<void> {
  const { createWriteStream } = await import('node:fs');
  const out = createWriteStream(path);
  const random = rng(42);
  const metricLines = new Set<string>();
  let buf = '';
  let points = 0;
  const flush = async () => {
    if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
    buf = '';
  };
  const declare = (metric: string, type: string, contains: string) => {
    if (metricLines.has(metric)) return;
    metricLines.add(metric);
    buf += `{"type":"Metric","data":{"name":"${metric}","type":"${type}","contains":"${contains}","thresholds":[],"submetrics":null},"metric":"${metric}"}\n`;
  };
  const point = (metric: string, ms: number, value: number, tags: string) => {
    const iso = new Date(ms).toISOString();
    buf += `{"metric":"${metric}","type":"Point","data":{"time":"${iso.slice(0, 23)}${String(Math.floor(random() * 1e6)).padStart(6, '0')}Z","value":${value},"tags":${tags}}}\n`;
    points++;
  };
  let seq = 0;
  const perRequest = REQUEST_METRICS.length + 2;
  const replicationEvery = 40;
  while (points < POINTS) {
    const ms = T0 + Math.floor((seq / (POINTS / perRequest)) * DURATION_S * 1000);
    const second = (ms - T0) / 1000;
    const vantage = VANTAGES[seq % VANTAGES.length] as string;
    const faulted = vantage === FAULT.vantage && second >= FAULT.at && second < FAULT.undo;
    const failing = faulted && second < FAULT.at + 8;
    const servedBy = failing ? 'unknown' : faulted ? 'us-west-2' : (NEAREST[vantage] as string);
    const status = failing ? '0' : '200';
    const common = `"expected_response":"${failing ? 'false' : 'true'}","group":"","method":"GET","name":"global","proto":"HTTP/1.1","scenario":"global-traffic","status":"${status}","target_region":"${NEAREST[vantage]}","url":"http://127.0.0.1:8080/api/items/1","vantage":"${vantage}"`;
    const tags = `{${common}}`;
    const twinTags = `{${common},"served_by":"${servedBy}"}`;
    const duration = failing ? 0 : Math.round((20 + random() * 30 + (random() < 0.01 ? 400 : 0)) * 1e6) / 1e6;
    for (const m of REQUEST_METRICS) {
      declare(
        m,
        m === 'http_reqs' ? 'counter' : m === 'http_req_failed' ? 'rate' : 'trend',
        m === 'http_reqs' || m === 'http_req_failed' ? 'default' : 'time',
      );
      const value =
        m === 'http_reqs'
          ? 1
          : m === 'http_req_failed'
            ? failing
              ? 1
              : 0
            : m === 'http_req_duration'
              ? duration
              : Math.round(random() * 1e6) / 1e6;
      point(m, ms, value, tags);
    }
    declare('request_duration', 'trend', 'time');
    declare('request_failed', 'rate', 'default');
    point('request_duration', ms, duration, twinTags);
    point('request_failed', ms, failing ? 1 : 0, twinTags);
    if (seq % replicationEvery === 0) {
      declare('replication_lag_ms', 'trend', 'default');
      const pair = `{"from":"us-east-1","scenario":"read-your-writes","to":"${seq % 80 === 0 ? 'eu-west-1' : 'us-west-2'}"}`;
      point('replication_lag_ms', ms, Math.round((200 + random() * 300) * 1000) / 1000, pair);
    }
    seq++;
    if (buf.length > 1 << 20) await flush();
  }
  await flush();
  await new Promise<void>((r) => out.end(() => r()));
}

/** Per group: percentiles of the duration metric (in the order asked) and the rate metric's share of non-zero values. */
type Answer = Record<string, { percentiles: number[]; rate: number }>;

interface Question {
  name: string;
  duration: string;
  failed: string;
  tag: string;
  percentiles: number[];
  /** crosswind's config for it (undefined: the default gates, no config file). */
  config?: object;
}

const QUESTIONS: Question[] = [
  {
    name: 'servedBy',
    duration: 'request_duration',
    failed: 'request_failed',
    tag: 'served_by',
    percentiles: [95, 99],
    config: {
      project: 'bench',
      aws: { accountIds: ['123456789012'] },
      regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],
      globalEndpoint: 'http://127.0.0.1:1',
      gates: {
        checks: [95, 99]
          .map((p) => ({
            kind: 'latency',
            name: `p${p}`,
            metric: 'request_duration',
            percentile: p,
            bound: 1e9,
            groupBy: ['served_by'],
            minSamples: 1,
          }))
          .concat([
            { kind: 'error-rate', name: 'errors', metric: 'request_failed', bound: 1, groupBy: ['served_by'], minSamples: 1 },
          ] as never[]),
      },
    },
  },
  { name: 'defaultGates', duration: 'http_req_duration', failed: 'http_req_failed', tag: 'vantage', percentiles: [99] },
];

interface Run {
  wall: number;
  cpu: number;
  rssMb: number;
  load: number;
  stdout: string;
}

/** One whole process under GNU time: wall by the clock here, CPU and peak RSS from the kernel's accounting. */
function timed(dir: string, cmd: string, args: string[], cwd: string): Promise<Run> {
  const timeFile = join(dir, 'time.txt');
  const load = loadavg()[0] ?? 0;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '%U %S %M', '-o', timeFile, cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0 && code !== 1 && code !== 4) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      const [user, system, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
      resolve({ wall, cpu: (user ?? 0) + (system ?? 0), rssMb: ((kb ?? 0) * 1024) / 1e6, load, stdout });
    });
  });
}

const pct = (p: number) => `def pct: sort as $s | ($s | length) as $n | (($n - 1) * ${p / 100}) as $i | ($i | floor) as $lo
  | if $n == 0 then null elif $lo + 1 >= $n then $s[$n - 1] else $s[$lo] + ($s[$lo + 1] - $s[$lo]) * ($i - $lo) end;`;

/**
 * jq's answer to the served_by question in one linear pass: the matching points collected once (an array
 * constructor, not `+=` per line, which copies and grows quadratically), grouped by a sort, then percentiles by
 * k6's method and the error rate per group.
 */
function jqProgram(q: Question): string {
  const defs = q.percentiles.map((p, i) => pct(p).replace('def pct:', `def pct${i}:`)).join('\n');
  const per = q.percentiles.map((_, i) => `(map(select(.[0] == "${q.duration}") | .[2]) | pct${i})`).join(', ');
  return `${defs}
[inputs | select(.type == "Point" and (.metric == "${q.duration}" or .metric == "${q.failed}")) | [.metric, .data.tags.${q.tag}, .data.value]]
| group_by(.[1])
| map({ key: .[0][1], value: { percentiles: [${per}],
    rate: (map(select(.[0] == "${q.failed}") | .[2]) | (map(select(. != 0)) | length) / length) } })
| from_entries`;
}

function ours(q: Question, verdictFile: string): Answer {
  const doc = JSON.parse(readFileSync(verdictFile, 'utf8')) as {
    gates: { gate: string; group: Record<string, string>; measured: number }[];
  };
  const out: Answer = {};
  const names = q.config
    ? { latency: q.percentiles.map((p) => `p${p}`), rate: 'errors' }
    : { latency: ['latency-p99'], rate: 'error-rate' };
  for (const r of doc.gates) {
    const g = r.group[q.tag];
    if (g === undefined) continue;
    const a = out[g] ?? { percentiles: [], rate: Number.NaN };
    out[g] = a;
    const i = names.latency.indexOf(r.gate);
    if (i >= 0) a.percentiles[i] = r.measured;
    if (r.gate === names.rate) a.rate = r.measured;
  }
  return out;
}

function parsed(stdout: string): Answer {
  const raw = JSON.parse(stdout) as Record<string, { percentiles: (string | number)[]; rate: string | number }>;
  const out: Answer = {};
  for (const [g, v] of Object.entries(raw)) out[g] = { percentiles: v.percentiles.map(Number), rate: Number(v.rate) };
  return out;
}

/** Where two answers differ in what crosswind prints (6 significant digits, its units); also whether bit for bit. */
function compare(a: Answer, b: Answer): { printed: string[]; bitIdentical: boolean } {
  const printed: string[] = [];
  let bitIdentical = true;
  const groups = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const show = (v: number | undefined, unit: GateUnit) => formatValue(v ?? Number.NaN, unit);
  for (const g of groups) {
    const x = a[g];
    const y = b[g];
    const pairs: [number | undefined, number | undefined, GateUnit][] = [
      ...(x?.percentiles ?? y?.percentiles ?? []).map(
        (_, i) => [x?.percentiles[i], y?.percentiles[i], 'ms'] as [number | undefined, number | undefined, GateUnit],
      ),
      [x?.rate, y?.rate, 'ratio'],
    ];
    for (const [u, v, unit] of pairs) {
      if (!Object.is(u, v)) bitIdentical = false;
      if (show(u, unit) !== show(v, unit)) printed.push(`${g}: ${show(u, unit)} vs ${show(v, unit)}`);
    }
  }
  return { printed, bitIdentical };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const r3 = (x: number) => Number(x.toFixed(3));

/** The CLI as the package installs it: its `bin`, run by node (built first by `npm run bench` where it needs a build). */
function crosswindBin(): string {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(REPO, pkg.bin.crosswind as string);
  if (!existsSync(bin)) throw new Error(`${bin} is missing: build the package first (npm run build)`);
  return bin;
}

interface Contender {
  name: string;
  question: Question;
  run(): Promise<Run>;
  answer(run: Run): Answer;
}

async function contenders(dir: string, file: string, points: number, python: string, bin: string): Promise<Contender[]> {
  const out: Contender[] = [];
  for (const q of QUESTIONS) {
    const cwd = join(dir, q.name);
    await mkdir(cwd, { recursive: true });
    if (q.config) await writeFile(join(cwd, 'crosswind.config.json'), JSON.stringify(q.config));
    const verdict = join(cwd, 'verdict.json');
    out.push({
      name: 'crosswind',
      question: q,
      run: () => timed(dir, process.execPath, [bin, 'gate', '--results', file, '--json', verdict], cwd),
      answer: () => ours(q, verdict),
    });
    out.push({
      name: 'duckdb',
      question: q,
      run: () => timed(dir, python, ['-c', DUCKDB_PROGRAM, file, q.duration, q.failed, q.tag, q.percentiles.join(',')], cwd),
      answer: (r) => parsed(r.stdout),
    });
    // jq on the smaller file only: at 5 M points one jq run takes minutes on this machine, and its place is known.
    if (q.config && points <= JQ_MAX_POINTS) {
      out.push({
        name: 'jq',
        question: q,
        run: () => timed(dir, JQ, ['-n', '-c', jqProgram(q), file], cwd),
        answer: (r) => parsed(r.stdout),
      });
    }
  }
  return out;
}

/** Every contender once untimed (caches warm, answers checked), then ROUNDS interleaved rounds. */
async function measure(dir: string, file: string, points: number, python: string, bin: string): Promise<Record<string, number | string>> {
  const all = await contenders(dir, file, points, python, bin);
  const runs = new Map<Contender, Run[]>(all.map((c) => [c, []]));
  const answers = new Map<Contender, Answer>();
  for (const c of all) answers.set(c, c.answer(await c.run()));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of all) {
      const r = await c.run();
      (runs.get(c) as Run[]).push(r);
      log(
        `round ${round} ${c.question.name} ${c.name}: ${r.wall.toFixed(3)} s wall, ${r.cpu.toFixed(2)} s CPU, ${r.rssMb.toFixed(0)} MB, load ${r.load.toFixed(2)}`,
      );
    }
  }
  const m: Record<string, number | string> = {};
  for (const q of QUESTIONS) {
    const of = (name: string) => all.find((c) => c.question === q && c.name === name);
    const duck = of('duckdb') as Contender;
    const duckRuns = runs.get(duck) as Run[];
    for (const c of all.filter((x) => x.question === q)) {
      const rs = runs.get(c) as Run[];
      const k = `${q.name}_${c.name}`;
      m[`${k}WallMinS`] = r3(Math.min(...rs.map((r) => r.wall)));
      m[`${k}WallMedianS`] = r3(median(rs.map((r) => r.wall)));
      m[`${k}CpuMedianS`] = r3(median(rs.map((r) => r.cpu)));
      m[`${k}PeakRssMb`] = Math.round(Math.max(...rs.map((r) => r.rssMb)));
      m[`${k}Load1mMedian`] = Number(median(rs.map((r) => r.load)).toFixed(2));
      if (c !== duck) {
        // Per round against the DuckDB run beside it, so load that drifts across rounds hits both alike.
        m[`${k}WallRatioToDuckdb`] = r3(median(rs.map((r, i) => r.wall / (duckRuns[i] as Run).wall)));
        const diff = compare(answers.get(c) as Answer, answers.get(duck) as Answer);
        m[`${k}AnswersAsPrinted`] = diff.printed.length ? `differ: ${diff.printed.slice(0, 3).join('; ')}` : 'equal';
        m[`${k}AnswersBitIdentical`] = String(diff.bitIdentical);
      }
    }
    const valuesRead = (JSON.parse(readFileSync(join(dir, q.name, 'verdict.json'), 'utf8')) as { input: { points: number } }).input.points;
    m[`${q.name}_valuesRead`] = valuesRead;
    m[`${q.name}_crosswindRssLimitMb`] = Math.round(120 + (16 * valuesRead) / 1e6);
  }
  return m;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--generate') {
    await generate(process.argv[3] as string, Number(process.argv[4]));
    return;
  }
  for (const tool of [JQ, TIME]) if (!existsSync(tool)) throw new Error(`${tool} is missing: the bench needs it (apt-get install jq time)`);
  const python = await duckdbPython(log);
  const bin = crosswindBin();
  const dir = await mkdtemp(join(tmpdir(), 'crosswind-gates-bench-'));
  const measured: Record<string, number | string> = {
    rounds: ROUNDS,
    load1mAtStart: Number((loadavg()[0] ?? 0).toFixed(2)),
    crosswind: bin.slice(REPO.length),
  };
  try {
    for (const size of SIZES) {
      const file = join(dir, `points-${size}.ndjson`);
      log(`generating ${size} points in ${file}`);
      const gen = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--generate', file, String(size)], {
        stdio: 'inherit',
      });
      if (gen.status !== 0) throw new Error('generating the file failed');
      const label = `${size / 1e6}M`;
      measured[`${label}_fileMiB`] = Math.round((await stat(file)).size / 2 ** 20);
      for (const [k, v] of Object.entries(await measure(dir, file, size, python, bin))) measured[`${label}_${k}`] = v;
      await rm(file, { force: true });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  measured.load1mAtEnd = Number((loadavg()[0] ?? 0).toFixed(2));
  const targets: Record<string, string> = {};
  let met = true;
  for (const size of SIZES) {
    const label = `${size / 1e6}M`;
    for (const q of QUESTIONS) {
      const k = `${label}_${q.name}_crosswind`;
      targets[`${k}WallRatioToDuckdb`] = '<= 0.8';
      targets[`${k}AnswersAsPrinted`] = 'equal';
      targets[`${k}PeakRssMb`] = `<= ${label}_${q.name}_crosswindRssLimitMb (120 MB + 16 B per value read)`;
      met &&=
        (measured[`${k}WallRatioToDuckdb`] as number) <= 0.8 &&
        measured[`${k}AnswersAsPrinted`] === 'equal' &&
        (measured[`${k}PeakRssMb`] as number) <= (measured[`${label}_${q.name}_crosswindRssLimitMb`] as number);
    }
  }
  const outcome: BenchOutcome = { name: 'gates', measured, targets, met };
  console.log(JSON.stringify(outcome));
}

await main();
