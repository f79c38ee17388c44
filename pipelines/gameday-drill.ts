import type { GamedayPhase } from '../config/gameday-schema.ts';
import type { K6Point } from '../core/k6-output.ts';
import { faultText, type GamedayPlan, type ResolvedFault } from './gameday-plan.ts';
import type { Judgement } from './rollout-effects.ts';

// The drill as a sequence over an injected world: global traffic runs from the first timed phase to the end, the
// phases act and wait in order, and every phase's start and end is recorded for the report and the gates. Nothing
// here measures: the failover, capacity and rebalance gates judge the recorded traffic afterwards.

/** A traffic run the drill watches live and stops at the end. */
export interface DrillTraffic {
  points: AsyncIterable<K6Point>;
  /** Resolves when k6 has exited and its output is complete. */
  done: Promise<unknown>;
  stop(): void;
}

export interface GamedayWorld {
  /** Start global traffic from every vantage, running at least `durationMs` unless stopped. */
  startTraffic(durationMs: number): Promise<DrillTraffic>;
  /** Apply one fault through the fault ledger (guardrails first). */
  applyFault(fault: ResolvedFault): Promise<void>;
  /** Undo every fault of the drill (ledger); idempotent. */
  restore(reason: string): Promise<void>;
  /** Functional checks straight at the surviving regions while the fault holds. */
  functionalChecks(survivors: string[], durationMs: number): Promise<Judgement>;
  /** The steady-state gates on the traffic since `since` (the baseline), before anything is injected. */
  steadyState(since: number): Promise<Judgement>;
  /** Waits, or resolves early when the drill is aborted. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Phase changes and notes for the live progress. */
  phase(name: string): void;
  note(text: string): void;
  /** Every live point, for the progress line. */
  point(point: K6Point): void;
}

export interface PhaseRecord {
  kind: GamedayPhase['kind'];
  startedAt: number;
  endedAt: number;
}

export interface DrillRecord {
  phases: PhaseRecord[];
  /** When the inject phase finished applying its faults. */
  injectedAt?: number;
  restoredAt?: number;
  functional?: Judgement;
  /** The steady-state check before the first inject; when it did not hold, nothing was injected. */
  steadyState?: { held: boolean; judgement: Judgement };
  /** Set when the drill stopped early (a signal, an error); restore has run. */
  aborted?: string;
}

/** Extra traffic time beyond the timed phases: applying and undoing faults takes a few control-plane calls. */
export const TRAFFIC_SLACK_MS = 30_000;

/** Checks the steady state before the first fault; records it, and says whether the drill may go on. */
async function steady(world: GamedayWorld, record: DrillRecord, since: number): Promise<boolean> {
  const judgement = await world.steadyState(since);
  // No gate at all means none is configured (`gameday.steadyState: []`): the check is skipped, by the user's choice.
  const held = judgement.gates.every((g) => g.status === 'pass');
  record.steadyState = { held, judgement };
  for (const g of judgement.gates) world.note(`steady state: ${g.line}`);
  if (!held) world.note('steady state does not hold: nothing injected, nothing to restore');
  return held;
}

/**
 * Runs the drill. Before the first fault the steady state is checked on the baseline; if it does not hold, nothing is
 * injected and the drill ends there. Faults are restored on every path out (done, aborted, thrown), before this
 * returns or throws.
 */
export async function runDrill(plan: GamedayPlan, world: GamedayWorld, signal: AbortSignal): Promise<DrillRecord> {
  const record: DrillRecord = { phases: [] };
  let traffic: DrillTraffic | undefined;
  let watching: Promise<void> | undefined;
  let injected = false;
  let baselineAt: number | undefined;
  const ensureTraffic = async () => {
    if (traffic) return;
    traffic = await world.startTraffic(plan.timedMs + TRAFFIC_SLACK_MS);
    const live = traffic;
    watching = (async () => {
      for await (const p of live.points) world.point(p);
    })();
  };
  try {
    for (const phase of plan.phases) {
      if (signal.aborted) break;
      const startedAt = world.now();
      world.phase(phase.kind);
      switch (phase.kind) {
        case 'announce':
          world.note(phase.message);
          break;
        case 'baseline':
          baselineAt ??= startedAt;
          await ensureTraffic();
          await world.sleep(phase.duration, signal);
          break;
        case 'observe':
        case 'verify-rebalance':
          await ensureTraffic();
          await world.sleep(phase.duration, signal);
          break;
        case 'inject':
          await ensureTraffic();
          if (!record.steadyState && !(await steady(world, record, baselineAt ?? startedAt))) break;
          injected = true;
          for (const fault of phase.faults) {
            const resolved = { ...fault, region: fault.region ?? plan.targetRegion };
            await world.applyFault(resolved);
            world.note(`injected: ${faultText(resolved)}`);
          }
          record.injectedAt = world.now();
          break;
        case 'functional-checks':
          await ensureTraffic();
          record.functional = await world.functionalChecks(plan.survivors, phase.duration);
          for (const g of record.functional.gates) world.note(`functional check: ${g.line}`);
          break;
        case 'restore':
          await world.restore('drill restore phase');
          injected = false;
          record.restoredAt = world.now();
          world.note('restored: every fault of the drill is undone');
          break;
      }
      record.phases.push({ kind: phase.kind, startedAt, endedAt: world.now() });
      if (record.steadyState?.held === false) break;
    }
    if (signal.aborted) record.aborted = String(signal.reason ?? 'aborted');
  } catch (err) {
    record.aborted = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    // Undo before anything else: a drill never leaves a fault behind, whatever ended it.
    if (injected || record.aborted) await world.restore(record.aborted ? `drill stopped: ${record.aborted}` : 'drill end');
    const live = traffic as DrillTraffic | undefined;
    if (live) {
      live.stop();
      await live.done.catch(() => {});
      await watching?.catch(() => {});
    }
  }
  return record;
}
