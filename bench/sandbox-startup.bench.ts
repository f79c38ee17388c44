// Time from start to ready for the sandbox, programmatically (startSandbox) in each world (loopback; the namespace
// world, whose network, namespace agents and resolv.conf files come on top) and as a user runs it (`crosswind sandbox
// up` until it prints "sandbox ready", then `crosswind sandbox down` until everything is gone; the world it picked is
// recorded), plus the overhead the loopback world's vantage proxy adds to a request beyond the injected latency.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../core/poll.ts';
import { startSandbox } from '../sandbox/sandbox.ts';
import type { BenchOutcome } from '../scripts/bench.ts';

// The built CLI: `npm run bench` builds it first.
const BIN = fileURLToPath(new URL('../dist/cli/bin.js', import.meta.url));
const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

async function cliUpDown(dir: string): Promise<{ upMs: number; downMs: number; world: string }> {
  const stateFile = join(dir, 'state.json');
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, 'sandbox', 'up', '--state', stateFile], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const ready = async () => {
    if (child.exitCode !== null) throw new Error('sandbox up exited early');
    return out.includes('sandbox ready in');
  };
  await pollUntil(ready, (yes) => yes, { resource: 'sandbox up to say it is ready', intervalMs: 10, deadlineMs: 120_000 }).catch(
    (err: unknown) => {
      child.kill('SIGTERM');
      throw err;
    },
  );
  const upMs = Date.now() - started;
  const { world } = JSON.parse(await readFile(stateFile, 'utf8')) as { world: string };
  const downStarted = Date.now();
  await new Promise<void>((resolve, reject) => {
    const down = spawn(process.execPath, [BIN, 'sandbox', 'down', '--state', stateFile], { stdio: 'ignore' });
    down.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sandbox down exited ${code}`))));
  });
  return { upMs, downMs: Date.now() - downStarted, world };
}

const programmatic: number[] = [];
const programmaticNetns: number[] = [];
const cliWorlds = new Set<string>();
const cliUp: number[] = [];
const cliDown: number[] = [];
const overhead: number[] = [];
const dir = await mkdtemp(join(tmpdir(), 'crosswind-bench-sandbox-'));
try {
  for (let i = 0; i < RUNS; i++) {
    const handle = await startSandbox({ world: 'loopback', stateFile: false, groundTruthLog: join(dir, `gt-${i}.jsonl`) });
    programmatic.push(handle.readyMs);
    const v = handle.state.vantages[0];
    const region = handle.state.regions.find((r) => r.name === v?.nearestRegion);
    if (v && region) {
      for (let j = 0; j < 200; j++) {
        const t0 = performance.now();
        await (await fetch(`${v.endpoint}/version`)).arrayBuffer();
        const viaEdge = performance.now() - t0;
        const t1 = performance.now();
        await (await fetch(`${region.endpoint}/version`)).arrayBuffer();
        const direct = performance.now() - t1;
        overhead.push(viaEdge - direct - (v.latencyMs[region.name] ?? 0));
      }
    }
    await handle.stop();
    process.stderr.write(`startSandbox run ${i + 1}: ready in ${handle.readyMs} ms (loopback world)\n`);
    // Rounds interleaved, so a busy minute weighs on both worlds alike.
    const netns = await startSandbox({ world: 'netns', stateFile: false, groundTruthLog: join(dir, `gt-netns-${i}.jsonl`) });
    programmaticNetns.push(netns.readyMs);
    await netns.stop();
    process.stderr.write(`startSandbox run ${i + 1}: ready in ${netns.readyMs} ms (namespace world)\n`);
    const cli = await cliUpDown(dir);
    cliUp.push(cli.upMs);
    cliDown.push(cli.downMs);
    cliWorlds.add(cli.world);
    process.stderr.write(`CLI run ${i + 1}: up ${cli.upMs} ms, down ${cli.downMs} ms (${cli.world} world)\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const measured = {
  startSandboxReadyMedianMs: median(programmatic),
  startSandboxReadyMinMs: Math.min(...programmatic),
  startSandboxNetnsReadyMedianMs: median(programmaticNetns),
  startSandboxNetnsReadyMinMs: Math.min(...programmaticNetns),
  cliUpToReadyMedianMs: median(cliUp),
  cliDownMedianMs: median(cliDown),
  edgeOverheadMedianMs: Math.round(median(overhead) * 100) / 100,
};
const outcome: BenchOutcome = {
  name: 'sandbox-startup',
  measured: { ...measured, cliWorld: [...cliWorlds].join(', '), runs: RUNS },
  targets: {
    startSandboxReadyMedianMs: '<= 5000',
    startSandboxNetnsReadyMedianMs: '<= 8000',
    cliUpToReadyMedianMs: '<= 8000',
    cliDownMedianMs: '<= 5000',
    edgeOverheadMedianMs: '<= 5',
  },
  met:
    measured.startSandboxReadyMedianMs <= 5000 &&
    measured.startSandboxNetnsReadyMedianMs <= 8000 &&
    measured.cliUpToReadyMedianMs <= 8000 &&
    measured.cliDownMedianMs <= 5000 &&
    measured.edgeOverheadMedianMs <= 5,
};
console.log(JSON.stringify(outcome));
