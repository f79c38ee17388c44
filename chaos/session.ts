import { randomUUID } from 'node:crypto';
import { rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, CrosswindError, ExitCode, InfrastructureError } from '../core/errors.ts';
import { type FaultTarget, type LedgerEntry, RUNNER_KINDS, type StopSource } from '../core/ledger-entry.ts';
import { type Checkpoint, noCheckpoints } from './checkpoints.ts';
import { type ChaosClients, chaosClients } from './clients.ts';
import type { Confirm } from './confirm.ts';
import { driverFor } from './drivers.ts';
import { type ApplyOutcome, describeSpec, type FaultContext, type FaultSpec, type PlannedFault } from './fault.ts';
import { allowedAccount, callerAccount, decide, GuardrailRefusal, type OpenFaultRef } from './guardrails.ts';
import { type HealthReader, route53HealthReader } from './health.ts';
import { type GuardrailLease, guardrailLease, type LeaseClaim } from './lease.ts';
import { FaultLedger, inspectLedger, type OpenFault, openFaults } from './ledger.ts';
import { describeDamage, restore } from './restore.ts';
import { createRunFolder, listRunFolders } from './run-folder.ts';
import { lockRun, runOwner } from './run-lock.ts';
import { lockS3Run, type S3LedgerPlace, S3RunLedger, s3LedgerPlace } from './s3-ledger.ts';
import { installSignalHandlers } from './signals.ts';
import {
  type AlarmReader,
  checkAlarmsBeforeFault,
  cloudWatchAlarmReader,
  type ErrorRateSource,
  startStopMonitor,
} from './stop-conditions.ts';

/** A stop condition fired: every experiment was stopped and every fault undone. Exit 1, like a failed gate. */
export class StopConditionBreach extends CrosswindError {
  readonly exitCode = ExitCode.rolledBack;
  constructor(
    readonly source: StopSource,
    readonly reason: string,
  ) {
    super(`stopped: ${reason}; every fault of the run was undone`);
  }
}

/** SIGINT/SIGTERM/SIGHUP (or an uncaught error) ended the run after restoring; no verdict, so exit 4. */
export class InterruptedError extends CrosswindError {
  readonly exitCode = ExitCode.inconclusive;
}

/** The person at the prompt said no; nothing was changed. */
export class DeclinedError extends CrosswindError {
  readonly exitCode = ExitCode.usage;
}

/** A fault as applied, for the caller's own records and logs. */
export interface AppliedFault {
  id: string;
  spec: FaultSpec;
  target: FaultTarget;
  /** t_fault: just before the call that made the change (or, when known, when the fault began to act). */
  appliedAt: number;
  detail?: Record<string, string>;
  change: string;
  undo: string;
}

export interface FaultSessionOptions {
  config: CrosswindConfig;
  /** Project directory holding `.crosswind/runs`; default the current directory. */
  root?: string;
  /** Mode in the run folder name (`gameday`, `rollout`, `chaos`); default `chaos`. */
  mode?: string;
  /** Append to this existing run folder instead of creating one. */
  runDir?: string;
  clients?: ChaosClients;
  /** Current health of every region; default Route 53 (GetHealthCheckStatus + the health check flags). */
  readHealth?: HealthReader;
  /** Stop-condition alarms; default CloudWatch DescribeAlarms of chaos.stopConditions.alarms. */
  readAlarms?: AlarmReader;
  /** The guardrail lease; default the one chaos.lease names (see lease.ts). */
  lease?: GuardrailLease;
  /** Live error rate of the regions not under fault; no source, no error-rate stop condition. */
  errorRate?: ErrorRateSource;
  /** Print every change and its undo; call no write API and write no ledger. */
  dryRun?: boolean;
  /** Asked before each fault; undefined applies without asking (`--yes`, CI, no TTY). */
  confirm?: Confirm;
  log?: (line: string) => void;
  checkpoint?: Checkpoint;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
  /** Install SIGINT/SIGTERM/SIGHUP/uncaught-error handlers that restore before exiting (the CLI does; tests in-process do not). */
  handleSignals?: boolean;
  /** Leave applied faults open when the body returns normally (a fault applied by hand); errors and signals still undo. */
  keepFaults?: boolean;
  /**
   * Resolves read-only everything the run will touch, after the account check and before anything else (the sweep,
   * the run folder, the body); throws to refuse the run. Not called in a dry run.
   */
  preflight?: (clients: ChaosClients) => Promise<void>;
  /** Remove the run folder this session created if nothing was written to it (by-hand commands refused or declined). */
  removeEmptyRun?: boolean;
}

/** A run's faults: every change goes through the guardrails and the ledger. */
export interface FaultSession {
  /** The run folder; undefined in a dry run. */
  readonly runDir: string | undefined;
  readonly dryRun: boolean;
  /** Aborted when a stop condition, a signal or an error ends the run; pass it to your own waits. */
  readonly signal: AbortSignal;
  /** Guardrails, ledger intent, apply, ledger applied. Resolves undefined in a dry run (nothing applied). */
  apply(spec: FaultSpec): Promise<AppliedFault | undefined>;
  /** Undoes one fault of this run. */
  undo(id: string, reason?: string): Promise<void>;
  /** Undoes every open fault of this run (or those `only` picks), newest first. */
  undoAll(reason?: string, only?: (fault: OpenFault) => boolean): Promise<void>;
  /** Closes a fault without undoing it: the change stays (a deploy whose wave was approved). */
  keep(id: string, reason: string): Promise<void>;
  /** Waits `ms` with the stop conditions watched; rejects at once with the stop's error if the run is stopped. */
  hold(ms: number): Promise<void>;
  /** Ends the run's faults now: records why, aborts `signal`, stops experiments, undoes every fault. */
  stop(source: StopSource, reason: string): Promise<void>;
  /** Faults of this run still open. */
  openFaults(): OpenFault[];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

class Session implements FaultSession {
  readonly dryRun: boolean;
  readonly #controller = new AbortController();
  readonly #o: FaultSessionOptions;
  readonly #ctx: FaultContext;
  readonly #undoCtx: FaultContext;
  readonly #root: string;
  readonly #readHealth: HealthReader;
  readonly #readAlarms: AlarmReader;
  readonly #lease: GuardrailLease;
  readonly #place: S3LedgerPlace | undefined;
  #remote: Promise<{ ledger: S3RunLedger; release: () => Promise<void> }> | undefined;
  #remoteChain: Promise<void> = Promise.resolve();
  #ledger: FaultLedger | undefined;
  #release: (() => void) | undefined;
  #inflight: Promise<unknown> | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #monitor: { stop(): void } | undefined;
  #timers = new Map<string, NodeJS.Timeout>();
  #account: string | undefined;
  #alarmsChecked = false;
  #stopping: Promise<void> | undefined;
  #stopError: Error | undefined;
  #undoFailures: string[] = [];
  #created = false;

  constructor(options: FaultSessionOptions, clients: ChaosClients, account?: string) {
    this.#o = options;
    this.#account = account;
    this.dryRun = options.dryRun === true;
    this.#root = options.root ?? process.cwd();
    const log = options.log ?? (() => {});
    const base = {
      config: options.config,
      clients,
      checkpoint: options.checkpoint ?? noCheckpoints,
      log,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms: number) => sleep(ms)),
    };
    this.#ctx = { ...base, signal: this.#controller.signal, runFaults: () => this.openFaults() };
    // Undo runs after an abort: it must not see the aborted signal.
    this.#undoCtx = base;
    this.#readHealth = options.readHealth ?? route53HealthReader(options.config, clients);
    this.#readAlarms = options.readAlarms ?? cloudWatchAlarmReader(options.config, clients);
    this.#place = s3LedgerPlace(options.config.chaos.ledger, () => clients.s3, clients.retry);
    this.#lease = options.lease ?? guardrailLease(options.config.chaos, this.#root, () => clients.s3, clients.retry);
  }

  get runDir() {
    return this.#ledger?.runDir;
  }
  get signal() {
    return this.#controller.signal;
  }
  get stopping() {
    return this.#stopping;
  }
  get stopError() {
    return this.#stopError;
  }
  get undoFailures() {
    return this.#undoFailures;
  }

  open(): void {
    if (this.dryRun) return;
    if (this.#o.runDir) {
      const owner = runOwner(this.#o.runDir);
      if (owner !== undefined)
        throw new ConfigError([{ path: '--run', message: `${this.#o.runDir} belongs to running process ${owner.pid} on ${owner.host}` }]);
    }
    this.#created = this.#o.runDir === undefined;
    const runDir =
      this.#o.runDir ?? createRunFolder({ root: this.#root, mode: this.#o.mode ?? 'chaos', now: new Date(this.#ctx.now()) }).path;
    this.#release = lockRun(runDir);
    this.#ledger = FaultLedger.open(runDir);
  }

  async close(): Promise<void> {
    this.#monitor?.stop();
    await this.#remoteChain;
    await (await this.#remote?.catch(() => undefined))?.release();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#ledger?.close();
    this.#release?.();
    const ledger = this.#ledger;
    if (ledger && this.#created && this.#o.removeEmptyRun && ledger.entries.length === 0) {
      // A run that changed nothing (a refused or declined fault) leaves no empty folder behind; a folder others wrote
      // into is kept.
      try {
        rmSync(ledger.file);
        rmdirSync(ledger.runDir);
      } catch {
        // not empty: keep it
      }
    }
  }

  /**
   * Appends to the run's ledger: the local file (fsynced before this returns), and the S3 copy when chaos.ledger
   * names one (the promise settles once S3 has it; awaited before a change is made).
   */
  #append(entry: LedgerEntry): Promise<void> {
    this.#ledger?.append(entry);
    const place = this.#place;
    const runDir = this.runDir;
    if (!place || !runDir) return Promise.resolve();
    this.#remote ??= (async () => {
      const run = basename(runDir);
      const [ledger, release] = await Promise.all([S3RunLedger.open(place, run), lockS3Run(place, run)]);
      return { ledger, release };
    })();
    const remote = this.#remote;
    const next = this.#remoteChain.then(async () => (await remote).ledger.append(entry));
    this.#remoteChain = next.catch(() => {});
    return next;
  }

  #iso() {
    return new Date(this.#ctx.now()).toISOString();
  }

  openFaults(): OpenFault[] {
    return this.#ledger?.openFaults() ?? [];
  }

  /** Drops a closed fault's claim from the S3 lease; a failure only leaves a claim that expires at its deadline. */
  async #forget(id: string) {
    await this.#lease
      .forget(id)
      .catch((err: unknown) => this.#warnOnce(`could not drop claim ${id} from ${this.#lease.where}: ${(err as Error).message}`));
  }

  #warned = new Set<string>();
  #warnOnce(line: string) {
    if (this.#warned.has(line)) return;
    this.#warned.add(line);
    this.#ctx.log(`warning: ${line}`);
  }

  /** Open faults in every run of the project (this one included), for the guardrails. */
  #allOpen(): OpenFaultRef[] {
    const dirs = new Set(listRunFolders(this.#root).map((r) => r.path));
    if (this.runDir) dirs.delete(this.runDir);
    const refs: OpenFaultRef[] = [];
    for (const dir of dirs) {
      // A damaged ledger of another run never blocks this one: its readable lines count, its bad ones are reported.
      const read = inspectLedger(dir);
      for (const d of read.damaged) this.#warnOnce(describeDamage(d));
      for (const f of openFaults(read.entries)) refs.push({ runDir: dir, id: f.intent.id, target: f.intent.fault });
    }
    for (const f of this.openFaults()) refs.push({ runDir: this.runDir as string, id: f.intent.id, target: f.intent.fault });
    return refs;
  }

  async apply(spec: FaultSpec): Promise<AppliedFault | undefined> {
    this.signal.throwIfAborted();
    const p = this.#apply(spec);
    this.#inflight = p;
    try {
      return await p;
    } finally {
      if (this.#inflight === p) this.#inflight = undefined;
    }
  }

  async #apply(spec: FaultSpec): Promise<AppliedFault | undefined> {
    const ctx = this.#ctx;
    const label = describeSpec(spec);
    const planned = await driverFor(spec.kind).plan(spec, ctx);
    // The person at the prompt agreed to the whole run, its runners included; no stop condition watches them.
    const runner = RUNNER_KINDS.has(spec.kind);
    // A first look before the prompt: what can be refused without reading health is refused now. The health is read
    // under the lease (a dry run, which writes nothing, reads it here).
    await this.#guard(planned, label, { withHealth: this.dryRun });
    if (this.dryRun) {
      ctx.log(`dry run: would apply ${label}\n  change: ${planned.change}\n  undo:   ${planned.undo}`);
      return undefined;
    }
    if (!runner && this.#o.confirm && !(await this.#o.confirm(`${label}\n  change: ${planned.change}\n  undo:   ${planned.undo}`))) {
      throw new DeclinedError(`${label}: not confirmed; nothing was changed`);
    }
    this.signal.throwIfAborted();
    const { id, at, deadline } = await this.#decideAndRecord(planned, label);
    ctx.checkpoint('intent-written');
    this.#armDeadline(id, deadline - at);
    if (!runner) this.#startMonitor();
    let outcome: ApplyOutcome;
    try {
      outcome = await planned.apply(id, ctx, deadline);
    } catch (err) {
      await this.#append({ kind: 'failed', id, at: this.#iso(), error: (err as Error).message, phase: 'apply' }).catch(() => {});
      ctx.checkpoint('apply-failed');
      throw err;
    }
    ctx.checkpoint('applied');
    const { calledAt, returnedAt, actsAt, detail } = outcome;
    const iso = (ms: number) => new Date(ms).toISOString();
    await this.#append({
      kind: 'applied',
      id,
      at: this.#iso(),
      calledAt: iso(calledAt),
      returnedAt: iso(returnedAt),
      ...(actsAt === undefined ? {} : { actsAt: iso(actsAt) }),
      ...(detail ? { detail } : {}),
    });
    ctx.checkpoint('applied-recorded');
    ctx.log(`applied ${label} (${id}): ${planned.change}`);
    const appliedAt = actsAt ?? calledAt;
    const applied: AppliedFault = { id, spec, target: planned.target, appliedAt, change: planned.change, undo: planned.undo };
    if (detail) applied.detail = detail;
    return applied;
  }

  /**
   * Under the guardrail lease: the health read again, the decision, and the intent (with the prior state) made durable
   * before the change is made (undo before do); the lease is then released with the fault claimed for every operator.
   */
  async #decideAndRecord(planned: PlannedFault, label: string): Promise<{ id: string; at: number; deadline: number }> {
    const ctx = this.#ctx;
    const lease = await this.#lease.acquire();
    const id = `f-${randomUUID().slice(0, 8)}`;
    let claim: LeaseClaim;
    const at = ctx.now();
    const deadline = at + (planned.deadlineMs ?? ctx.config.chaos.faultDeadline);
    try {
      await this.#guard(planned, label, { withHealth: true, claims: lease.claims });
      await this.#append({
        kind: 'intent',
        id,
        at: new Date(at).toISOString(),
        fault: { ...planned.target, takesOut: planned.takesOut },
        prior: planned.prior,
        deadline: new Date(deadline).toISOString(),
      });
      const run = basename(this.runDir as string);
      claim = {
        id,
        run,
        host: hostname(),
        target: { ...planned.target, takesOut: planned.takesOut },
        until: new Date(deadline).toISOString(),
      };
    } catch (err) {
      await lease.release().catch(() => {});
      throw err;
    }
    try {
      await lease.release(claim);
    } catch (err) {
      await this.#append({ kind: 'undone', id, at: this.#iso(), reason: `not applied: ${(err as Error).message}` });
      throw err;
    }
    return { id, at, deadline };
  }

  /**
   * The guardrails, then (once a run) the stop-condition alarms; a fault that touches no AWS resource has its regions
   * checked only. `claims` are the open faults other operators hold in the S3 lease; without `withHealth` the
   * healthy-regions rule is left for the check under the lease.
   */
  async #guard(planned: PlannedFault, label: string, o: { withHealth: boolean; claims?: LeaseClaim[] }): Promise<void> {
    const ctx = this.#ctx;
    const claims = o.claims ?? [];
    const local = this.#allOpen();
    const known = new Set(local.map((o) => o.id));
    const others = claims.filter((c) => !known.has(c.id)).map((c) => ({ runDir: `${c.run} on ${c.host}`, id: c.id, target: c.target }));
    const input = {
      target: planned.target,
      takesOut: planned.takesOut,
      open: [...local, ...others],
      runDir: this.runDir ?? '(dry run)',
      minHealthyRegions: ctx.config.chaos.minHealthyRegions,
      allowedRegions: ctx.config.aws.allowedRegions,
      allowedAccounts: ctx.config.aws.accountIds,
    };
    if (!planned.awsFree) this.#account ??= await callerAccount(ctx.clients);
    // A runner's task takes no region out: the region count needs no health read, and no stop condition watches it.
    const runner = RUNNER_KINDS.has(planned.target.kind);
    const decision = planned.awsFree
      ? decide({ ...input, health: [] })
      : decide({ ...input, health: runner ? [] : o.withHealth ? await this.#readHealth() : undefined, accountId: this.#account });
    if (decision.kind === 'refuse') throw new GuardrailRefusal(label, decision.reasons);
    if (!planned.awsFree && !runner && !this.#alarmsChecked && ctx.config.chaos.stopConditions.alarms.length > 0) {
      checkAlarmsBeforeFault(await this.#readAlarms());
      this.#alarmsChecked = true;
    }
  }

  #armDeadline(id: string, ms: number) {
    const timer = setTimeout(
      () => {
        this.#ctx.log(`deadline: fault ${id} outlived chaos.faultDeadline; undoing it`);
        this.undo(id, 'deadline (dead man\u2019s switch)').catch((err) =>
          this.#ctx.log(`deadline: undo of ${id} failed: ${(err as Error).message}`),
        );
      },
      Math.min(Math.max(ms, 0), MAX_TIMER_MS),
    );
    timer.unref();
    this.#timers.set(id, timer);
  }

  #startMonitor() {
    const c = this.#ctx.config.chaos.stopConditions;
    if (this.#monitor || (c.alarms.length === 0 && !this.#o.errorRate)) return;
    this.#monitor = startStopMonitor({
      intervalMs: c.pollInterval,
      readAlarms: this.#readAlarms,
      errorRate: this.#o.errorRate,
      maxErrorRate: c.maxErrorRate,
      healthyRegions: () => {
        const out = new Set(this.openFaults().flatMap((f) => f.intent.fault.takesOut ?? [f.intent.fault.region]));
        return this.#ctx.config.regions.map((r) => r.name).filter((r) => !out.has(r));
      },
      onBreach: (b) => {
        this.#ctx.log(`stop condition: ${b.reason}`);
        void this.stop(b.source, b.reason);
      },
      log: this.#ctx.log,
    });
  }

  /** Serializes undo work: a breach, a signal, a deadline and the end of the run may all ask at once. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch(() => {});
    return next;
  }

  async #undoOne(id: string, reason: string): Promise<void> {
    const fault = this.openFaults().find((f) => f.intent.id === id);
    if (!fault) return;
    const ctx = this.#undoCtx;
    ctx.checkpoint('undoing');
    try {
      const result = await driverFor(fault.intent.fault.kind).undo(fault, ctx);
      ctx.checkpoint('undone');
      await this.#append({ kind: 'undone', id, at: this.#iso(), reason: `${reason}: ${result}` });
      await this.#forget(id);
      clearTimeout(this.#timers.get(id));
      this.#timers.delete(id);
      ctx.log(`undone ${fault.intent.fault.kind} ${fault.intent.fault.region} (${id}): ${result}`);
    } catch (err) {
      const error = (err as Error).message;
      await this.#append({ kind: 'failed', id, at: this.#iso(), error, phase: 'undo' }).catch(() => {});
      this.#undoFailures.push(`${fault.intent.fault.kind} ${fault.intent.fault.region} (${id}): ${error}`);
      ctx.log(`FAILED to undo ${fault.intent.fault.kind} ${fault.intent.fault.region} (${id}): ${error}`);
      throw err;
    }
  }

  keep(id: string, reason: string): Promise<void> {
    return this.#serial(async () => {
      const fault = this.openFaults().find((f) => f.intent.id === id);
      if (!fault) return;
      await this.#append({ kind: 'kept', id, at: this.#iso(), reason });
      await this.#forget(id);
      clearTimeout(this.#timers.get(id));
      this.#timers.delete(id);
      this.#ctx.log(`kept ${fault.intent.fault.kind} ${fault.intent.fault.region} (${id}): ${reason}`);
    });
  }

  undo(id: string, reason = 'undone'): Promise<void> {
    return this.#serial(() => this.#undoOne(id, reason));
  }

  undoAll(reason = 'run finished', only: (fault: OpenFault) => boolean = () => true): Promise<void> {
    return this.#serial(async () => {
      const failures: string[] = [];
      for (const f of this.openFaults().filter(only).reverse()) {
        try {
          await this.#undoOne(f.intent.id, reason);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      if (failures.length) {
        throw new InfrastructureError(
          `${failures.length} fault(s) could not be undone and stay open in ${this.#ledger?.file}; run crosswind restore: ${failures.join('; ')}`,
        );
      }
    });
  }

  stop(source: StopSource, reason: string): Promise<void> {
    if (this.#stopping) return this.#stopping;
    this.#stopError =
      source === 'alarm' || source === 'error-rate' || source === 'deadline'
        ? new StopConditionBreach(source, reason)
        : new InterruptedError(`${reason}; every fault of the run was undone`);
    if (this.#ledger)
      this.#append({ kind: 'stop', id: `s-${randomUUID().slice(0, 8)}`, at: this.#iso(), source, reason }).catch((err: unknown) =>
        this.#warnOnce(`could not write the stop to the S3 ledger: ${(err as Error).message}`),
      );
    this.#monitor?.stop();
    this.#controller.abort(this.#stopError);
    this.#stopping = (async () => {
      // Let an apply in flight see the abort and settle (it makes no further write) before undoing.
      await this.#inflight?.catch(() => {});
      await this.undoAll(`stopped: ${reason}`);
      this.#ctx.log(`stopped (${source}): every fault of the run is undone`);
    })();
    return this.#stopping;
  }

  hold(ms: number): Promise<void> {
    this.signal.throwIfAborted();
    this.#ctx.checkpoint('holding');
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.signal.reason);
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Runs `body` with a fault session, and whatever happens, leaves nothing faulted behind: when the body returns, its
 * faults are undone (unless `keepFaults`); when it throws, when a stop condition fires, on SIGINT/SIGTERM/SIGHUP or an
 * uncaught error, the run is stopped, experiments stopped and faults undone before the error is rethrown. A second
 * SIGINT exits at once and leaves the ledger for `crosswind restore`. Faults of earlier runs past their deadline are
 * undone first (the dead man's switch).
 *
 * ```ts
 * await withFaultSession({ config, mode: 'gameday' }, async (s) => {
 *   await s.apply({ kind: 'invert-health-check', region: 'us-east-1' });
 *   await s.hold(60_000);
 * });
 * ```
 */
export async function withFaultSession<T>(options: FaultSessionOptions, body: (session: FaultSession) => Promise<T>): Promise<T> {
  const clients = options.clients ?? chaosClients(options.config.aws);
  const log = options.log ?? (() => {});
  const root = options.root ?? process.cwd();
  // The account first, then the run's preflight: with credentials for an account the config does not allow, or a piece
  // of the run missing, nothing is swept, no run folder is made, no hook runs.
  const account = options.dryRun ? undefined : await allowedAccount(options.config, clients);
  if (!options.dryRun) await options.preflight?.(clients);
  if (!options.dryRun) {
    const swept = await restore({
      config: options.config,
      clients,
      account,
      root,
      overdueOnly: true,
      reason: 'deadline (dead man\u2019s switch)',
      log,
      ...(options.now ? { now: options.now } : {}),
    });
    if (swept.failed.length) log(`deadline: ${swept.failed.length} overdue fault(s) could not be undone; run crosswind restore`);
  }
  const session = new Session(options, clients, account);
  session.open();
  const dispose = options.handleSignals ? installSignalHandlers(session, log) : () => {};
  let result: T | undefined;
  let error: unknown;
  try {
    result = await body(session);
  } catch (err) {
    error = err;
  }
  try {
    if (error !== undefined && !session.stopping && !(error instanceof GuardrailRefusal && session.openFaults().length === 0)) {
      log(`error: ${(error as Error).message ?? String(error)}; undoing every fault of the run`);
      await session.stop('error', `error: ${(error as Error).message ?? String(error)}`).catch(() => {});
    }
    if (session.stopping) await session.stopping.catch(() => {});
    else if (!options.keepFaults) await session.undoAll('run finished');
  } catch (err) {
    error ??= err;
  } finally {
    await session.close();
    dispose();
  }
  if (session.undoFailures.length) {
    throw new InfrastructureError(
      `faults left open after undo failures (run crosswind restore${session.runDir ? ` --run ${session.runDir}` : ''}):\n  ${session.undoFailures.join('\n  ')}`,
      { cause: error },
    );
  }
  if (session.stopError && (error === undefined || error === session.stopError || isAbortLike(error))) throw session.stopError;
  if (error !== undefined) throw error;
  return result as T;
}

function isAbortLike(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err instanceof StopConditionBreach || err instanceof InterruptedError);
}
