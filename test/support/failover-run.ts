import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LedgerEntry } from '../../core/ledger-entry.ts';
import { toolchain } from '../../scripts/toolchain.mjs';
import { runCommand } from './run-command.ts';

const SCRIPT = fileURLToPath(new URL('../fixtures/k6/failover-traffic.ts', import.meta.url));

/** What a recorded run looks like: its folder, and the fixture's real switch times. */
export interface FailoverRun {
  folder: string;
  /** The k6 NDJSON file, `<folder>/k6/traffic.ndjson`. */
  ndjson: string;
  /** k6's own end-of-test summary (handleSummary's data). */
  summary: K6Summary;
  regions: string[];
  vantages: string[];
  /** When us-east-1 went down for vantage-us (ms); the ledger's `applied`. */
  faultAt: number;
  /** When it came back (ms); the ledger's `undone`. */
  restoreAt: number;
}

export interface K6Summary {
  metrics: Record<string, { values: Record<string, number> }>;
}

export interface FailoverRunOptions {
  durationS?: number;
  ratePerVantage?: number;
  /** Ms after the first request at which us-east-1 fails for vantage-us. */
  faultAfterMs?: number;
  /** Ms of 503s without a serving region before vantage-us is served by us-west-2. */
  outageMs?: number;
  /** Ms after the first request at which us-east-1 serves vantage-us again. */
  restoreAfterMs?: number;
}

const PRIMARY: Record<string, string> = { 'vantage-us': 'us-east-1', 'vantage-eu': 'eu-west-1' };
const LATENCY_MS: Record<string, number> = { 'us-east-1': 4, 'us-west-2': 30, 'eu-west-1': 8 };

/**
 * Records a real run folder the way a game day lays one out: real k6 drives two vantages at a loopback fixture whose
 * `x-served-by` region switches mid-run (us-east-1 fails for vantage-us: a short outage of 503s, then us-west-2
 * serves it, then us-east-1 again), a fault ledger with the fault applied at the switch and undone at the switch
 * back, the health checks as observed every 500 ms, and run.json. Only 127.0.0.1 is contacted.
 */
export async function recordFailoverRun(folder: string, options: FailoverRunOptions = {}): Promise<FailoverRun> {
  const durationS = options.durationS ?? 12;
  const faultAfterMs = options.faultAfterMs ?? 4000;
  const outageMs = options.outageMs ?? 1500;
  const restoreAfterMs = options.restoreAfterMs ?? 9000;
  mkdirSync(join(folder, 'k6'), { recursive: true });

  let first: number | undefined;
  let faultAt: number | undefined;
  let restoreAt: number | undefined;
  const server: Server = createServer((req, res) => {
    const now = Date.now();
    first ??= now;
    const elapsed = now - first;
    const vantage = new URL(req.url ?? '/', 'http://x').searchParams.get('vantage') ?? 'vantage-us';
    let region = PRIMARY[vantage] ?? 'us-east-1';
    if (vantage === 'vantage-us' && elapsed >= faultAfterMs && elapsed < restoreAfterMs) {
      faultAt ??= now;
      if (elapsed < faultAfterMs + outageMs) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('region down');
        return;
      }
      region = 'us-west-2';
    }
    if (vantage === 'vantage-us' && elapsed >= restoreAfterMs && faultAt !== undefined) restoreAt ??= now;
    setTimeout(
      () => res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': region }).end('{"ok":true}'),
      LATENCY_MS[region],
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  // Health as a checker would see it: us-east-1 reported unhealthy a second after it failed, healthy again half a
  // second after it came back.
  const healthFile = join(folder, 'health.jsonl');
  writeFileSync(healthFile, '');
  const observe = () => {
    const now = Date.now();
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1']) {
      const down =
        region === 'us-east-1' && faultAt !== undefined && now >= faultAt + 1000 && (restoreAt === undefined || now < restoreAt + 500);
      appendFileSync(healthFile, `${JSON.stringify({ time: now, region, healthy: !down, source: 'sandbox' })}\n`);
    }
  };
  const startedAt = new Date().toISOString();
  observe();
  const timer = setInterval(observe, 500);

  const ndjson = join(folder, 'k6', 'traffic.ndjson');
  const summaryFile = join(folder, 'k6', 'traffic-summary.json');
  try {
    const k6 = await runCommand(toolchain().k6, ['run', '--quiet', '--no-usage-report', '--out', `json=${ndjson}`, SCRIPT], {
      env: { TARGET: target, DURATION_S: String(durationS), RATE: String(options.ratePerVantage ?? 20), SUMMARY: summaryFile },
    });
    if (k6.code !== 0) throw new Error(`k6 exited ${k6.code}:\n${k6.output}`);
  } finally {
    clearInterval(timer);
    observe();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (faultAt === undefined || restoreAt === undefined) throw new Error('the fixture never switched regions: k6 ran too short');

  const id = 'fault-0001';
  const ledger: LedgerEntry[] = [
    {
      kind: 'intent',
      id,
      at: new Date(faultAt - 20).toISOString(),
      fault: { kind: 'invert-health-check', region: 'us-east-1', resources: { healthCheckId: 'hc-us-east-1' } },
      prior: { inverted: false },
      deadline: new Date(faultAt + 60_000).toISOString(),
    },
    { kind: 'applied', id, at: new Date(faultAt).toISOString() },
    { kind: 'undone', id, at: new Date(restoreAt).toISOString(), reason: 'drill step: restore' },
  ];
  writeFileSync(join(folder, 'ledger.jsonl'), `${ledger.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
  const vantages = ['vantage-eu', 'vantage-us'];
  writeFileSync(
    join(folder, 'run.json'),
    `${JSON.stringify({ mode: 'gameday', project: 'fixture-shop', startedAt, endedAt: new Date().toISOString(), regions, vantages }, null, 2)}\n`,
  );
  const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as K6Summary;
  return { folder, ndjson, summary, regions, vantages, faultAt, restoreAt };
}
