import { appendFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { type K6Point, lineMetric, parseK6Line } from '../../core/k6-output.ts';
import { chunkKey, MANIFEST, parseManifest, type RunnerManifest, runnerKey } from '../../synthetics/runner/layout.ts';
import type { ResultStore } from '../../synthetics/runner/store.ts';
import { shiftLines } from './clock-shift.ts';
import type { RemoteRunnerPlan } from './traffic-plan.ts';

// One remote runner followed through the results bucket: its manifest read every poll (its heartbeat), each new chunk
// fetched in order, moved onto the orchestrator's clock by the runner's measured offset, appended to the run folder
// and handed on as live points. What goes wrong (never started, fell silent, stopped early, lost chunks, an unknown
// clock) is recorded as a problem naming the vantage: the gates it touches become inconclusive, never silently thin.

/** What can go wrong with a runner, and what it costs the verdict. */
export type RunnerProblemKind = 'start' | 'early-stop' | 'silent' | 'incomplete' | 'clock';

export interface RunnerProblem {
  vantage: string;
  runner: string;
  kind: RunnerProblemKind;
  /** When it happened, by the orchestrator's clock (ms since the epoch). */
  at: number;
  message: string;
}

export interface FollowOptions {
  store: ResultStore;
  /** The run's key prefix in the bucket. */
  run: string;
  /** The merged NDJSON of this runner in the run folder. */
  file: string;
  silenceMs: number;
  maxClockUncertaintyMs: number;
  now?: () => number;
  /** Every point of these metrics, live (the progress line's); the merged file holds them all. */
  onPoint?: (p: K6Point) => void;
  liveMetrics?: ReadonlySet<string>;
  log?: (line: string) => void;
}

export class RunnerFollower {
  manifest: RunnerManifest | undefined;
  chunksRead = 0;
  linesRead = 0;
  readonly problems: RunnerProblem[] = [];
  /** When the manifest last changed, by the orchestrator's clock. */
  #heardAt: number | undefined;
  #silent = false;
  #offsetMs = 0;
  #started = false;

  constructor(
    readonly plan: RemoteRunnerPlan,
    private readonly o: FollowOptions,
  ) {}

  /** The merged NDJSON of this runner in the run folder. */
  get file(): string {
    return this.o.file;
  }

  get key(): string {
    return runnerKey(this.o.run, this.plan.id);
  }

  /** True once the final manifest is in and every chunk it names has been read. */
  get finished(): boolean {
    return this.manifest?.state === 'finished' && this.chunksRead >= this.manifest.chunks;
  }

  /** True once the runner has written a manifest with k6 started. */
  get live(): boolean {
    return this.manifest?.k6StartedAt !== undefined;
  }

  problem(kind: RunnerProblemKind, message: string): void {
    const now = (this.o.now ?? Date.now)();
    if (this.problems.some((p) => p.kind === kind && p.message === message)) return;
    this.problems.push({
      vantage: this.plan.vantage,
      runner: this.plan.id,
      kind,
      at: now,
      message: `vantage ${this.plan.vantage}: runner ${this.plan.id}: ${message}`,
    });
    this.o.log?.(`vantage ${this.plan.vantage}: runner ${this.plan.id}: ${message}`);
  }

  /** One round: the manifest, then any new chunks in order. Throws only what the store throws. */
  async poll(): Promise<void> {
    const now = this.o.now ?? Date.now;
    await this.#readManifest(now());
    const m = this.manifest;
    if (!m) return;
    while (this.chunksRead < m.chunks) {
      const body = await this.o.store.get(chunkKey(this.key, this.chunksRead + 1));
      if (!body) break; // listed in the manifest, not readable yet: next round
      const text = shiftLines(gunzipSync(body).toString('utf8'), this.#offsetMs);
      await appendFile(this.o.file, text);
      this.chunksRead += 1;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        this.linesRead += 1;
        const metric = lineMetric(line);
        if (!this.o.onPoint || metric === undefined || !this.o.liveMetrics?.has(metric)) continue;
        const parsed = parseK6Line(line);
        if (parsed.kind === 'point') this.o.onPoint(parsed.point);
      }
    }
    if (this.#silent === false && this.#heardAt !== undefined && m.state === 'running' && now() - this.#heardAt > this.o.silenceMs) {
      this.#silent = true;
      this.problem(
        'silent',
        `fell silent: no heartbeat for ${Math.round((now() - this.#heardAt) / 1000)} s (its traffic from then on is missing)`,
      );
    }
  }

  async #readManifest(now: number): Promise<void> {
    const body = await this.o.store.get(`${this.key}/${MANIFEST}`);
    if (!body) return;
    const parsed = parseManifest(Buffer.from(body).toString('utf8'));
    if (typeof parsed === 'string') {
      this.problem('incomplete', `wrote an unreadable manifest (${parsed})`);
      return;
    }
    if (this.manifest?.updatedAt !== parsed.updatedAt) this.#heardAt = now;
    this.manifest = parsed;
    if (!this.#started) {
      this.#started = true;
      this.#offsetMs = this.#clockOffset(parsed);
      await writeFile(this.o.file, '');
    }
  }

  /** The offset the runner's points are moved by; an unknown or imprecise clock is a problem for its timelines. */
  #clockOffset(m: RunnerManifest): number {
    const c = m.clock.start;
    if (!c) {
      this.problem(
        'clock',
        `could not measure its clock (${m.clock.error ?? 'no time server'}): its times cannot be put on the drill's timeline`,
      );
      return 0;
    }
    if (c.uncertaintyMs > this.o.maxClockUncertaintyMs) {
      this.problem(
        'clock',
        `knows its clock offset only within ${c.uncertaintyMs.toFixed(0)} ms (more than distributed.runners.maxClockUncertainty, ${this.o.maxClockUncertaintyMs} ms)`,
      );
    }
    return c.offsetMs;
  }

  /** Applied clock offset, for the report. */
  get offsetMs(): number {
    return this.#offsetMs;
  }
}
