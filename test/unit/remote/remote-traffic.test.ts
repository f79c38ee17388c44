import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import type { RunnerLauncher } from '../../../pipelines/remote/ecs-launcher.ts';
import { PointChannel } from '../../../pipelines/remote/point-channel.ts';
import { type RemoteTrafficOptions, startRemoteTraffic } from '../../../pipelines/remote/remote-traffic.ts';
import { trafficPlan } from '../../../pipelines/remote/traffic-plan.ts';
import { chunkKey, MANIFEST, type RunnerManifest } from '../../../synthetics/runner/layout.ts';
import { MemoryStore } from '../../support/memory-store.ts';

const T0 = Date.UTC(2026, 10, 30, 10, 0, 0);
const RUN = 'crosswind/shop/run-1';

const config = resolveConfig({
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'https://use1.example.com' },
    { name: 'eu-west-1', endpoint: 'https://euw1.example.com' },
  ],
  distributed: {
    runners: { results: { bucket: 'shop-runs' }, chunkInterval: '1s', startTimeout: '10s', silenceTimeout: '5s', stopTimeout: '8s' },
  },
  vantages: ['us', 'eu'].map((name) => ({
    name,
    endpoint: 'https://app.example.com',
    runner: { kind: 'ecs', region: name === 'us' ? 'us-east-1' : 'eu-west-1', cluster: 'runners', subnets: ['subnet-0a1b2c3d'] },
  })),
});

const line = (time: number, vantage: string) =>
  `{"metric":"request_failed","type":"Point","data":{"time":"${new Date(time).toISOString()}","value":0,"tags":{"vantage":"${vantage}"}}}\n`;

/** A runner as the bucket shows it: its manifest and chunks, written as the fake clock moves. */
class FakeRunner {
  manifest: RunnerManifest;
  constructor(
    readonly store: MemoryStore,
    readonly id: string,
    readonly vantage: string,
    offsetMs: number | null,
  ) {
    this.manifest = {
      version: 1,
      runner: { id, vantage, host: 'task' },
      k6: { version: 'v2.2.0' },
      clock: {
        start: offsetMs === null ? null : { offsetMs, uncertaintyMs: 1, server: 'ntp', at: T0 },
        ...(offsetMs === null ? { error: 'no answer' } : {}),
      },
      state: 'running',
      startedAt: T0,
      k6StartedAt: T0,
      updatedAt: T0,
      deadline: T0 + 600_000,
      chunks: 0,
      lines: 0,
    };
  }
  async write(now: number, points: number[] = []): Promise<void> {
    if (points.length) {
      this.manifest.chunks += 1;
      this.manifest.lines += points.length;
      await this.store.put(
        chunkKey(`${RUN}/runners/${this.id}`, this.manifest.chunks),
        gzipSync(points.map((t) => line(t, this.vantage)).join('')),
      );
    }
    this.manifest.updatedAt = now;
    await this.store.put(`${RUN}/runners/${this.id}/${MANIFEST}`, JSON.stringify(this.manifest));
  }
  async finish(now: number, reason: 'stopped' | 'finished' = 'stopped'): Promise<void> {
    this.manifest.state = 'finished';
    this.manifest.end = { reason, exitCode: 0, signal: null, endedAt: now };
    await this.write(now);
  }
}

interface Harness {
  options: RemoteTrafficOptions;
  clock: { now: number };
  /** Lets the follow loop's waits pass, one at a time, until the fake clock reaches `until` or `done()` says so. */
  advance(until: number, done?: () => boolean): Promise<void>;
  started: string[];
  stopped: string[];
  points: K6Point[];
  /** Called before every sleep with the fake time: what the runners do by then. */
  world: (now: number) => Promise<void>;
}

async function harness(dir: string, o: { failStart?: string; ended?: () => Map<string, string> } = {}): Promise<Harness> {
  const store = new MemoryStore();
  const clock = { now: T0 };
  const started: string[] = [];
  const stopped: string[] = [];
  const points: K6Point[] = [];
  let waiting: { ms: number; release: () => void } | undefined;
  const h: Harness = {
    clock,
    started,
    stopped,
    points,
    world: async () => {},
    options: undefined as never,
    async advance(until, done = () => false) {
      while (clock.now < until && !done()) {
        while (!waiting && !done()) await new Promise((resolve) => setImmediate(resolve));
        const w = waiting;
        if (!w) return;
        waiting = undefined;
        clock.now += w.ms;
        await h.world(clock.now);
        w.release();
      }
    },
  };
  const launcher: RunnerLauncher = {
    async start(runner) {
      if (runner.id === o.failStart) throw new Error('RunTask in eu-west-1 started no task: RESOURCE:MEMORY');
      started.push(runner.id);
    },
    ended: async () => o.ended?.() ?? new Map(),
    async stop(reason) {
      stopped.push(reason);
    },
    close() {},
  };
  const channel = new PointChannel();
  void (async () => {
    for await (const p of channel) points.push(p);
  })();
  h.options = {
    config,
    plan: trafficPlan(config, { trafficMs: 60_000, ratePerVantage: 10 }),
    runDir: join(dir, 'run-1'),
    name: 'global-traffic',
    store,
    archive: async () => new Uint8Array([1, 2, 3]),
    launcher: () => launcher,
    points: channel,
    liveMetrics: new Set(['request_failed']),
    log: () => {},
    now: () => clock.now,
    // The loop waits until the test lets the fake clock move on.
    sleep: (ms) =>
      new Promise<void>((release) => {
        waiting = { ms, release };
      }),
  };
  // The project's run folder name is the run's key in the bucket.
  Object.assign(h.options.config.distributed.runners.results, { prefix: 'crosswind' });
  return h;
}

describe('remote traffic: runners followed through the bucket', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-remote-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('uploads an archive per vantage, merges every chunk on the orchestrator clock, and stops through the launcher', async () => {
    const h = await harness(dir);
    const us = new FakeRunner(h.options.store as MemoryStore, 'us-1', 'us', 1500);
    const eu = new FakeRunner(h.options.store as MemoryStore, 'eu-1', 'eu', -20);
    await us.write(T0, [T0 + 100, T0 + 200]);
    await eu.write(T0, [T0 + 150]);
    h.world = async (now) => {
      if (now === T0 + 2000) {
        await us.write(now, [T0 + 1100]);
        await eu.write(now, [T0 + 1150]);
      }
      if (now === T0 + 4000) {
        await us.finish(now);
        await eu.finish(now);
      }
    };
    const traffic = await startRemoteTraffic(h.options);
    expect([...(h.options.store as MemoryStore).objects.keys()].filter((k) => k.includes('/archives/'))).to.deep.equal([
      `${RUN}/archives/us.tar`,
      `${RUN}/archives/eu.tar`,
    ]);
    await traffic.ready;
    expect(h.started).to.deep.equal(['us-1', 'eu-1']);
    await h.advance(T0 + 3000);
    await traffic.stop('traffic done');
    let finished = false;
    void traffic.done.then(() => {
      finished = true;
    });
    await h.advance(T0 + 20_000, () => finished);
    const outcome = await traffic.done;
    expect(h.stopped).to.deep.equal(['traffic done']);
    expect(outcome.problems).to.deep.equal([]);
    const usLines = (await readFile(join(dir, 'run-1', 'k6', 'global-traffic.us-1.ndjson'), 'utf8')).trim().split('\n');
    expect(
      usLines.map((l) => Date.parse(JSON.parse(l).data.time) - T0),
      'us-1 runs 1.5 s behind the time server',
    ).to.deep.equal([1600, 1700, 2600]);
    expect(outcome.runners.map((r) => [r.id, r.chunks, r.lines, r.clockOffsetMs, r.end])).to.deep.equal([
      ['us-1', 2, 3, 1500, 'stopped (k6 exit 0)'],
      ['eu-1', 2, 2, -20, 'stopped (k6 exit 0)'],
    ]);
    expect(outcome.files.map((f) => f.split('/').pop())).to.deep.equal(['global-traffic.us-1.ndjson', 'global-traffic.eu-1.ndjson']);
    expect(
      h.points.map((p) => p.time - T0).sort((a, b) => a - b),
      'live points, corrected',
    ).to.deep.equal([130, 1130, 1600, 1700, 2600].sort((a, b) => a - b));
  });

  it('names a runner that could not be started, and one that never started k6', async () => {
    const h = await harness(dir, { failStart: 'eu-1' });
    const traffic = await startRemoteTraffic(h.options);
    let ready = false;
    void traffic.ready.then(() => {
      ready = true;
    });
    await h.advance(T0 + 60_000, () => ready);
    expect(h.clock.now - T0, 'gave up on us-1 after the start timeout').to.be.within(10_000, 12_000);
    await traffic.stop('traffic done');
    const outcome = await traffic.done;
    expect(outcome.problems.map((p) => [p.vantage, p.kind, p.message])).to.deep.equal([
      ['us', 'start', 'vantage us: runner us-1: did not start k6 within 10 s of being started'],
      ['eu', 'start', 'vantage eu: runner eu-1: could not be started: RunTask in eu-west-1 started no task: RESOURCE:MEMORY'],
    ]);
    expect(outcome.files).to.deep.equal([]);
  });

  it('names a runner that fell silent, one whose task stopped early, and one without a final manifest', async () => {
    let ended = new Map<string, string>();
    const h = await harness(dir, { ended: () => ended });
    const store = h.options.store as MemoryStore;
    const us = new FakeRunner(store, 'us-1', 'us', 0);
    const eu = new FakeRunner(store, 'eu-1', 'eu', null);
    await us.write(T0, [T0 + 100]);
    await eu.write(T0, [T0 + 100]);
    h.world = async (now) => {
      if (now <= T0 + 3000) await eu.write(now); // eu-1 keeps its heartbeat for 3 s, then nothing
      if (now < T0 + 12_000) await us.write(now);
      if (now === T0 + 12_000) ended = new Map([['us-1', 'its task stopped (OutOfMemoryError: Container killed due to memory usage)']]);
    };
    const traffic = await startRemoteTraffic(h.options);
    await traffic.ready;
    await h.advance(T0 + 16_000);
    await traffic.stop('traffic done');
    let finished = false;
    void traffic.done.then(() => {
      finished = true;
    });
    await h.advance(T0 + 60_000, () => finished);
    const outcome = await traffic.done;
    expect(outcome.problems.map((p) => `${p.kind}: ${p.message}`)).to.deep.equal([
      'early-stop: vantage us: runner us-1: its task stopped (OutOfMemoryError: Container killed due to memory usage) before its final manifest, while the traffic was still needed',
      "clock: vantage eu: runner eu-1: could not measure its clock (no answer): its times cannot be put on the drill's timeline",
      'silent: vantage eu: runner eu-1: fell silent: no heartbeat for 6 s (its traffic from then on is missing)',
      'incomplete: vantage eu: runner eu-1: wrote no final manifest within 8 s of the stop: its last 1 s or more are missing',
    ]);
  });
});
