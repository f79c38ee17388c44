/**
 * The fault ledger's line format: an append-only JSONL file in a run folder. A fault's `intent` (with everything
 * needed to undo it) is written and fsynced before the change is applied; `applied`, `undone` and `failed` follow.
 * Other roles (the failover gate, reports) read fault times from here.
 */
/** `deploy` is a rollout's deploy of a version to a region: undone by its rollback hook, `kept` once the wave is approved. */
export type FaultKind = 'invert-health-check' | 'shift-weight' | 'fis-experiment' | 'deploy' | 'ecs-runner';

/**
 * Ledger entries of these kinds start something crosswind must stop again (a remote runner's ECS task), not a fault:
 * they take no region out and are no fault to measure, but they are undone (stopped) on every way out and by
 * `crosswind restore`, like faults.
 */
export const RUNNER_KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>(['ecs-runner']);

export interface FaultTarget {
  kind: FaultKind;
  /** The region the fault hurts. */
  region: string;
  /** Resource ids the fault touches (health check id, record set identifiers, experiment template or experiment id). */
  resources: Record<string, string>;
  /** Regions the fault takes out of service (the guardrails count them as unhealthy while it is open). */
  takesOut?: string[];
}

/** Why a run stopped its faults early. */
export type StopSource = 'alarm' | 'error-rate' | 'signal' | 'error' | 'deadline';

export type LedgerEntry =
  | { kind: 'intent'; id: string; at: string; fault: FaultTarget; prior: unknown; deadline: string }
  /**
   * `calledAt` is taken just before the call that makes the change (StartExperiment, UpdateHealthCheck,
   * ChangeResourceRecordSets) and `returnedAt` when it returned: the fault can act from `calledAt` on, whatever `at`
   * (when the line was written, after any wait for the change to settle) says. `actsAt`, when known, is when the fault
   * really began to act (FIS: its first action's start). Older ledgers have `at` only.
   */
  | {
      kind: 'applied';
      id: string;
      at: string;
      calledAt?: string;
      returnedAt?: string;
      actsAt?: string;
      detail?: Record<string, string>;
    }
  | { kind: 'undone'; id: string; at: string; reason: string }
  /** The change stays and is no longer open: a deploy whose wave was approved. */
  | { kind: 'kept'; id: string; at: string; reason: string }
  /** `phase` says whether applying or undoing failed; either way the fault stays open until an `undone`. */
  | { kind: 'failed'; id: string; at: string; error: string; phase?: 'apply' | 'undo' }
  /** A stop condition (or a signal, an error, a deadline) ended the run's faults early; `id` names this stop. */
  | { kind: 'stop'; id: string; at: string; source: StopSource; reason: string };

/** A fault as the measurements see it: when it took effect and when it was undone, in ms since the epoch. */
export interface FaultEvent {
  id: string;
  kind: FaultKind;
  region: string;
  /** t_fault: when the fault could begin to act (`actsAt`, else `calledAt`, else the `applied` line's time). */
  appliedAt: number;
  /** When the call that applied it returned, if recorded. */
  returnedAt?: number;
  undoneAt?: number;
  /** Why it was undone (`run finished`, `stop condition: alarm ...`, `restore`, `deadline`). */
  undoneReason?: string;
}

/** Pure: the applied faults of a ledger, in the order they were applied (runners are no faults: left out). */
export function faultEvents(entries: Iterable<LedgerEntry>): FaultEvent[] {
  const intents = new Map<string, FaultTarget>();
  const events = new Map<string, FaultEvent>();
  for (const e of entries) {
    if (e.kind === 'intent') {
      if (!RUNNER_KINDS.has(e.fault.kind)) intents.set(e.id, e.fault);
    } else if (e.kind === 'applied') {
      const fault = intents.get(e.id);
      if (!fault) continue;
      const event: FaultEvent = { id: e.id, kind: fault.kind, region: fault.region, appliedAt: Date.parse(e.actsAt ?? e.calledAt ?? e.at) };
      if (e.returnedAt !== undefined) event.returnedAt = Date.parse(e.returnedAt);
      events.set(e.id, event);
    } else if (e.kind === 'undone') {
      const event = events.get(e.id);
      if (event && event.undoneAt === undefined) {
        event.undoneAt = Date.parse(e.at);
        event.undoneReason = e.reason;
      }
    }
  }
  return [...events.values()].sort((a, b) => a.appliedAt - b.appliedAt);
}
