import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import { InfrastructureError } from '../../../core/errors.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import { buildPlan, k6Args, type SignalSource, type SpawnLike, startK6Run } from '../../../synthetics/k6.ts';

const fakeK6 = fileURLToPath(new URL('../../fixtures/synthetics/fake-k6.mjs', import.meta.url));
const fakeSpawn: SpawnLike = (_cmd, args, options) => spawn(process.execPath, [fakeK6, ...args], options);
const config = resolveConfig({
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:7001' }],
  globalEndpoint: 'http://127.0.0.1:7100',
});
const plan = buildPlan(config, { scenario: 'global-traffic', durationMs: 1000, runId: 'unit' });

class FakeSignals extends EventEmitter implements SignalSource {}

async function collect(points: AsyncIterable<K6Point>): Promise<K6Point[]> {
  const out: K6Point[] = [];
  for await (const p of points) out.push(p);
  return out;
}

describe('the k6 launcher (with a stand-in k6 process)', () => {
  it('writes the plan, streams the points and reads the summary of a run whose thresholds failed', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'crosswind-run-'));
    const run = await startK6Run({
      plan,
      runDir,
      k6Path: 'k6',
      spawn: fakeSpawn,
      env: { FAKE_EXIT: '99' },
      signals: null,
      pollIntervalMs: 10,
    });
    const arrivals: number[] = [];
    for await (const p of run.points) {
      arrivals.push(Date.now());
      expect(p.tags.scenario).to.equal('global-traffic');
    }
    const result = await run.done;
    expect(arrivals).to.have.length(3);
    // Live: the first point arrived well before the last was written.
    expect((arrivals[2] as number) - (arrivals[0] as number)).to.be.greaterThan(150);
    expect(result.kind).to.equal('thresholds-failed');
    expect(result.kind === 'thresholds-failed' && result.failedThresholds).to.deep.equal(['request_failed: rate<0.1']);
    expect(result.exitCode).to.equal(99);
    expect(JSON.parse(await readFile(result.files.plan, 'utf8'))).to.deep.equal(plan);
    expect(result.files.ndjson).to.equal(join(runDir, 'k6', 'global-traffic.ndjson'));
    expect(await readFile(result.files.log, 'utf8')).to.contain('have been crossed');
    // A second consumer reads the same points from the start.
    expect(await collect(run.points)).to.have.length(3);
  });

  it('reports ok for exit 0', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'crosswind-run-'));
    const run = await startK6Run({ plan, runDir, name: 'cycle-1', k6Path: 'k6', spawn: fakeSpawn, env: { FAKE_EXIT: '0' }, signals: null });
    expect((await run.done).kind).to.equal('ok');
    expect(run.files.summary).to.equal(join(runDir, 'k6', 'cycle-1-summary.json'));
  });

  it('forwards SIGINT to k6 and reports the run interrupted', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'crosswind-run-'));
    const signals = new FakeSignals();
    const run = await startK6Run({ plan, runDir, k6Path: 'k6', spawn: fakeSpawn, env: { FAKE_MODE: 'wait' }, signals, pollIntervalMs: 10 });
    expect(signals.listenerCount('SIGINT')).to.equal(1);
    // Signal once the stand-in is running (its first point is out), as a user's Ctrl-C would arrive mid-run.
    const values: number[] = [];
    for await (const p of run.points) {
      if (values.length === 0) signals.emit('SIGINT');
      values.push(p.value);
    }
    const result = await run.done;
    expect(result.kind).to.equal('interrupted');
    expect(result.exitCode).to.equal(105);
    expect(values).to.deep.equal([0, 1]);
    expect(signals.listenerCount('SIGINT')).to.equal(0);
    expect(signals.listenerCount('SIGTERM')).to.equal(0);
  });

  it('stops k6 when the caller aborts', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'crosswind-run-'));
    const controller = new AbortController();
    const run = await startK6Run({
      plan,
      runDir,
      k6Path: 'k6',
      spawn: fakeSpawn,
      env: { FAKE_MODE: 'wait' },
      signal: controller.signal,
      signals: null,
    });
    setTimeout(() => controller.abort(), 200);
    expect((await run.done).kind).to.equal('interrupted');
  });

  it('rejects with an infrastructure error when k6 cannot be started', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'crosswind-run-'));
    const run = await startK6Run({ plan, runDir, k6Path: join(runDir, 'no-such-k6'), signals: null });
    let error: unknown;
    await run.done.catch((err: unknown) => {
      error = err;
    });
    expect(error).to.be.instanceOf(InfrastructureError);
    expect(await collect(run.points)).to.deep.equal([]);
  });

  it('runs k6 quietly, without usage reports, with NDJSON and summary outputs', () => {
    const files = { plan: '/r/k6/x.plan.json', ndjson: '/r/k6/x.ndjson', summary: '/r/k6/x-summary.json', log: '/r/k6/x.log' };
    expect(k6Args(files, '/s.ts')).to.deep.equal([
      'run',
      '--quiet',
      '--no-color',
      '--no-usage-report',
      '--out',
      'json=/r/k6/x.ndjson',
      '--summary-export',
      '/r/k6/x-summary.json',
      '/s.ts',
    ]);
  });
});
