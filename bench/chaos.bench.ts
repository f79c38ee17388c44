// Chaos: how long the ledger's durable append takes (an fsync before every change), and how long restoring a run's
// faults takes against moto (the worst moment to be slow: a region is down until it finishes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosClients } from '../chaos/clients.ts';
import { FaultLedger } from '../chaos/ledger.ts';
import { restore } from '../chaos/restore.ts';
import { withFaultSession } from '../chaos/session.ts';
import { resolveConfig } from '../config/resolve.ts';
import { startMoto } from '../sandbox/moto.ts';
import type { BenchOutcome } from '../scripts/bench.ts';
import { createChaosWorld } from '../test/support/chaos-world.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = q * (s.length - 1);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (i - lo);
};
const round = (x: number) => Math.round(x * 100) / 100;

// 1. Ledger appends: write + fsync each.
const dir = mkdtempSync(join(tmpdir(), 'crosswind-bench-ledger-'));
const ledger = FaultLedger.open(dir);
const appendMs: number[] = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  ledger.append({ kind: 'undone', id: `f-${i}`, at: new Date().toISOString(), reason: 'bench' });
  appendMs.push(performance.now() - t);
}
ledger.close();
rmSync(dir, { recursive: true, force: true });
process.stderr.write(`ledger: 200 appends, median ${round(quantile(appendMs, 0.5))} ms\n`);

// 2. Restore of a run left open (health check + weights + FIS experiment) against moto.
const moto = await startMoto();
const restoreMs: number[] = [];
try {
  for (let run = 0; run < 3; run++) {
    await moto.reset();
    const world = await createChaosWorld(moto);
    const config = resolveConfig(world.config);
    const clients = chaosClients(config.aws);
    await withFaultSession({ config, root: world.dir, keepFaults: true }, async (s) => {
      await s.apply({ kind: 'invert-health-check', region: 'us-east-1' });
      await s.apply({ kind: 'shift-weight', region: 'us-west-2', percent: 10 });
      await s.apply({ kind: 'fis-experiment', template: 'latency' });
    });
    const t = performance.now();
    const summary = await restore({ config, clients, root: world.dir });
    restoreMs.push(performance.now() - t);
    if (summary.undone.length !== 3) throw new Error(`expected 3 faults undone, got ${JSON.stringify(summary)}`);
    world.cleanup();
    process.stderr.write(`restore ${run + 1}: ${round(restoreMs.at(-1) as number)} ms\n`);
  }
} finally {
  await moto.stop();
}

const measured = {
  ledgerAppendMedianMs: round(quantile(appendMs, 0.5)),
  ledgerAppendP99Ms: round(quantile(appendMs, 0.99)),
  restoreThreeFaultsMedianMs: Math.round(quantile(restoreMs, 0.5)),
};
const targets = { ledgerAppendP99Ms: '<= 50', restoreThreeFaultsMedianMs: '<= 3000' };
const outcome: BenchOutcome = {
  name: 'chaos',
  measured,
  targets,
  met: measured.ledgerAppendP99Ms <= 50 && measured.restoreThreeFaultsMedianMs <= 3000,
};
console.log(JSON.stringify(outcome));
