/**
 * The fault ledger's line format: an append-only JSONL file in a run folder. A fault's `intent` (with everything
 * needed to undo it) is written and fsynced before the change is applied; `applied`, `undone` and `failed` follow.
 * Other roles (the failover gate, reports) read fault times from here.
 */
export type FaultKind = 'invert-health-check' | 'shift-weight' | 'fis-experiment';

export interface FaultTarget {
  kind: FaultKind;
  /** The region the fault hurts. */
  region: string;
  /** Resource ids the fault touches (health check id, record set identifiers, experiment template or experiment id). */
  resources: Record<string, string>;
}

export type LedgerEntry =
  | { kind: 'intent'; id: string; at: string; fault: FaultTarget; prior: unknown; deadline: string }
  | { kind: 'applied'; id: string; at: string; detail?: Record<string, string> }
  | { kind: 'undone'; id: string; at: string; reason: string }
  | { kind: 'failed'; id: string; at: string; error: string };

/** A fault as the measurements see it: when it took effect and when it was undone, in ms since the epoch. */
export interface FaultEvent {
  id: string;
  kind: FaultKind;
  region: string;
  appliedAt: number;
  undoneAt?: number;
}

/** Pure: the applied faults of a ledger, in the order they were applied. */
export function faultEvents(entries: Iterable<LedgerEntry>): FaultEvent[] {
  const intents = new Map<string, FaultTarget>();
  const events = new Map<string, FaultEvent>();
  for (const e of entries) {
    if (e.kind === 'intent') intents.set(e.id, e.fault);
    else if (e.kind === 'applied') {
      const fault = intents.get(e.id);
      if (fault) events.set(e.id, { id: e.id, kind: fault.kind, region: fault.region, appliedAt: Date.parse(e.at) });
    } else if (e.kind === 'undone') {
      const event = events.get(e.id);
      if (event) event.undoneAt = Date.parse(e.at);
    }
  }
  return [...events.values()].sort((a, b) => a.appliedAt - b.appliedAt);
}
