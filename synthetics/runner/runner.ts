// `crosswind runner`: the one program every remote vantage runs (an ECS task, a k6-operator runner pod, the sandbox's
// tasks). It runs k6 on the archive crosswind built for its vantage, and streams what k6 writes to S3: every chunk
// interval the complete NDJSON lines k6 added (one gzipped chunk) and its manifest (its heartbeat), and at the end the
// last lines, k6's summary and a final manifest with how it ended. It measures its clock against a time server so the
// orchestrator can put its points on one timeline with the others, and it stops k6 and itself at its hard deadline
// whether or not anyone is still listening.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isSecretVariable } from '../../config/redact.ts';
import { type Child, type ChildOutcome, runChild, spawnChild } from '../../core/child-process.ts';
import { measureClock } from './clock.ts';
import { type ClockReading, chunkKey, MANIFEST, type RunnerEnd, type RunnerManifest, SUMMARY } from './layout.ts';
import { LineTail } from './line-tail.ts';
import type { ResultStore } from './store.ts';

export interface RunnerOptions {
  /** Where this runner writes: its folder in the results store. */
  store: ResultStore;
  resultsKey: string;
  /** The k6 archive to run (a key in `archiveStore`), or, for a k6-operator pod, the `k6 run ...` arguments it was given. */
  work: { archive: { store: ResultStore; key: string }; segment?: string[] } | { k6Args: string[] };
  id: string;
  vantage: string;
  /** `--execution-segment` of this runner, for its manifest. */
  segment?: string;
  /** The ECS task or pod this runs as, when known. */
  task?: string;
  /** Ms since the epoch: k6 and this runner stop then, whatever happens. */
  deadline: number;
  chunkIntervalMs: number;
  /** NTP server (`host[:port]`); none: the clock offset is unknown. */
  timeServer?: string;
  k6: string;
  log?: (line: string) => void;
  now?: () => number;
  /** Aborting asks k6 to stop (SIGTERM from ECS StopTask, a pod deletion). */
  signal?: AbortSignal;
}

/** How a runner ended, as its exit code says: k6's own, or 1 when k6 could not run. */
export interface RunnerOutcome {
  reason: RunnerEnd;
  exitCode: number;
  manifest: RunnerManifest;
}

/** k6's version, as `k6 version` prints it (`k6 v2.2.0 (...)` → `v2.2.0`); null when it does not answer. */
async function k6Version(k6: string): Promise<string | null> {
  const o = await runChild(k6, ['version'], { timeoutMs: 10_000, env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
  return /\bk6 (v\d+\.\d+\.\d+\S*)/.exec(o.output.join('\n'))?.[1] ?? null;
}

/** `k6 run <args>` with NDJSON written to `ndjson` (and the summary to `summary` when the runner builds the command). */
function k6Command(work: RunnerOptions['work'], dir: string, ndjson: string, summary: string): string[] {
  const out = ['--out', `json=${ndjson}`];
  if ('k6Args' in work) {
    const [first, ...rest] = work.k6Args;
    return first === 'run' ? ['run', ...out, ...rest] : [...out, ...work.k6Args];
  }
  return [
    'run',
    '--quiet',
    '--no-color',
    '--no-usage-report',
    ...out,
    '--summary-export',
    summary,
    ...(work.segment ?? []),
    join(dir, 'archive.tar'),
  ];
}

/** Uploads chunks and manifests one at a time, in order; a failed upload is retried with the next flush. */
class Uploader {
  readonly tail: LineTail;
  #busy: Promise<void> = Promise.resolve();
  #pending: Buffer[] = [];
  #pendingLines = 0;

  constructor(
    private readonly o: RunnerOptions,
    private readonly manifest: RunnerManifest,
    ndjson: string,
  ) {
    this.tail = new LineTail(ndjson);
  }

  /** New lines as one chunk, then the manifest; serialized. */
  flush(final = false): Promise<void> {
    this.#busy = this.#busy
      .then(() => this.#flush(final))
      .catch((err: unknown) => this.o.log?.(`upload failed (retried at the next flush): ${(err as Error).message}`));
    return this.#busy;
  }

  async #flush(final: boolean): Promise<void> {
    for (;;) {
      const { text, lines } = await this.tail.next(false);
      if (lines === 0) break;
      this.#pending.push(text);
      this.#pendingLines += lines;
    }
    if (final) {
      const { text, lines } = await this.tail.next(true);
      if (lines) {
        this.#pending.push(text);
        this.#pendingLines += lines;
      }
    }
    const m = this.manifest;
    if (this.#pendingLines > 0) {
      await this.o.store.put(chunkKey(this.o.resultsKey, m.chunks + 1), gzipSync(Buffer.concat(this.#pending)), 'application/gzip');
      m.chunks += 1;
      m.lines += this.#pendingLines;
      this.#pending = [];
      this.#pendingLines = 0;
    }
    m.updatedAt = (this.o.now ?? Date.now)();
    await this.o.store.put(`${this.o.resultsKey}/${MANIFEST}`, `${JSON.stringify(m)}\n`, 'application/json');
  }
}

async function readClock(o: RunnerOptions): Promise<{ reading: ClockReading | null; error?: string }> {
  if (!o.timeServer) return { reading: null, error: 'no time server given' };
  try {
    return { reading: await measureClock(o.timeServer, o.now ? { now: o.now } : {}) };
  } catch (err) {
    return { reading: null, error: (err as Error).message };
  }
}

/** Where k6's points go, and the archive, for the length of the run. */
async function prepare(o: RunnerOptions, dir: string): Promise<string | undefined> {
  if (!('archive' in o.work)) return undefined;
  const archive = await o.work.archive.store.get(o.work.archive.key);
  if (!archive) return `no k6 archive at ${o.work.archive.key}`;
  await writeFile(join(dir, 'archive.tar'), archive);
  return undefined;
}

/**
 * Runs k6 and streams its output until k6 ends, the runner is stopped, or its deadline passes; then writes the last
 * chunk, k6's summary and the final manifest. Never throws for k6's own failures: they are in the outcome.
 */
export async function runRunner(o: RunnerOptions): Promise<RunnerOutcome> {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'crosswind-runner-'));
  const [clock, version] = await Promise.all([readClock(o), k6Version(o.k6)]);
  const manifest: RunnerManifest = {
    version: 1,
    runner: {
      id: o.id,
      vantage: o.vantage,
      host: hostname(),
      ...(o.segment ? { segment: o.segment } : {}),
      ...(o.task ? { task: o.task } : {}),
    },
    k6: { version },
    clock: { start: clock.reading, ...(clock.error ? { error: clock.error } : {}) },
    state: 'running',
    startedAt: now(),
    updatedAt: now(),
    deadline: o.deadline,
    chunks: 0,
    lines: 0,
  };
  const ndjson = join(dir, 'points.ndjson');
  const summary = join(dir, 'summary.json');
  const uploader = new Uploader(o, manifest, ndjson);
  log(
    `runner ${o.id} (vantage ${o.vantage}): clock ${clock.reading ? `${clock.reading.offsetMs.toFixed(1)} ms ± ${clock.reading.uncertaintyMs.toFixed(1)} ms` : `unknown (${clock.error})`}, k6 ${version ?? 'unknown'}`,
  );
  let reason: RunnerEnd = 'finished';
  let outcome: ChildOutcome | undefined;
  let detail: string | undefined;
  try {
    detail = await prepare(o, dir).catch((err: unknown) => `cannot read the k6 archive: ${(err as Error).message}`);
    if (detail === undefined) {
      await uploader.flush();
      const ran = await runK6(o, dir, ndjson, summary, manifest, uploader);
      reason = ran.reason;
      outcome = ran.outcome;
      if (outcome.startError) detail = `cannot start k6 (${o.k6}): ${outcome.startError.message}`;
    }
  } finally {
    if (detail !== undefined && outcome?.code == null) reason = 'failed';
    const end = await readClock(o);
    manifest.clock.end = end.reading;
    const s = await readFile(summary).catch(() => undefined);
    if (s) await o.store.put(`${o.resultsKey}/${SUMMARY}`, s, 'application/json').catch(() => {});
    manifest.state = 'finished';
    manifest.end = {
      reason,
      exitCode: outcome?.code ?? null,
      signal: outcome?.signal ?? null,
      endedAt: now(),
      ...(detail ? { detail } : {}),
      ...(uploader.tail.torn ? { detail: `${detail ? `${detail}; ` : ''}dropped ${uploader.tail.torn} bytes of a torn last line` } : {}),
    };
    await uploader.flush(true);
    await rm(dir, { recursive: true, force: true });
  }
  log(`runner ${o.id}: ${reason}${detail ? ` (${detail})` : ''}; ${manifest.lines} lines in ${manifest.chunks} chunks`);
  return { reason, exitCode: reason === 'failed' ? 1 : (outcome?.code ?? 1), manifest };
}

/** k6 under the chunk loop, the stop signal and the deadline. */
async function runK6(
  o: RunnerOptions,
  dir: string,
  ndjson: string,
  summary: string,
  manifest: RunnerManifest,
  uploader: Uploader,
): Promise<{ reason: RunnerEnd; outcome: ChildOutcome }> {
  const now = o.now ?? Date.now;
  let reason: RunnerEnd = 'finished';
  // k6 needs no credential: the task role's and any other secret stay out of its environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !isSecretVariable(k) && !k.startsWith('AWS_')));
  const child: Child = spawnChild(o.k6, k6Command(o.work, dir, ndjson, summary), {
    env: { ...env, K6_NO_USAGE_REPORT: 'true' },
    // SIGINT: k6 stops its scenarios gracefully and still writes its outputs and summary.
    stopSignal: 'SIGINT',
    killAfterMs: 10_000,
    keepLines: 20,
    onLine: (line) => o.log?.(`k6: ${line}`),
  });
  manifest.k6StartedAt = now();
  const stop = (why: RunnerEnd) => {
    if (child.exited || reason !== 'finished') return;
    reason = why;
    child.stop('SIGINT');
  };
  const onAbort = () => stop('stopped');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) stop('stopped');
  const deadline = setTimeout(() => stop('deadline'), Math.max(0, o.deadline - now()));
  const ticker = setInterval(() => void uploader.flush(), o.chunkIntervalMs);
  try {
    const outcome = await child.done;
    return { reason, outcome };
  } finally {
    clearTimeout(deadline);
    clearInterval(ticker);
    o.signal?.removeEventListener('abort', onAbort);
  }
}
