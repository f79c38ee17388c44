// The fault knobs of one region app. Several sources (an FIS action, a manual fault) can be active at once; what the
// app does is their combination, recomputed whenever a source changes.

/** One set of faults; several sources can be active at once and combine. */
export interface FaultSet {
  /** Dependencies reported down by `/health`: `database`, `cache`, `downstream`. */
  dependenciesDown?: string[];
  /** Added to every public response. */
  addedLatencyMs?: number;
  /** Share of requests (every path but `/health`) answered 500, 0..1. */
  errorRate?: number;
  /** Replication to and from this region is held until resumed. */
  replicationPaused?: boolean;
  /** Hard stop: the public port refuses connections. */
  stopped?: boolean;
  /** Network unreachable: the public port accepts connections and never answers. */
  unreachable?: boolean;
}

export interface EffectiveFaults {
  dependenciesDown: string[];
  addedLatencyMs: number;
  errorRate: number;
  replicationPaused: boolean;
  stopped: boolean;
  unreachable: boolean;
}

/** Combines fault sets from every source: dependencies union, latency adds up, the worst error rate, any flag. */
export function combineFaults(sets: FaultSet[]): EffectiveFaults {
  const deps = new Set<string>();
  const out: EffectiveFaults = {
    dependenciesDown: [],
    addedLatencyMs: 0,
    errorRate: 0,
    replicationPaused: false,
    stopped: false,
    unreachable: false,
  };
  for (const s of sets) {
    for (const d of s.dependenciesDown ?? []) deps.add(d);
    out.addedLatencyMs += s.addedLatencyMs ?? 0;
    out.errorRate = Math.max(out.errorRate, s.errorRate ?? 0);
    out.replicationPaused ||= s.replicationPaused === true;
    out.stopped ||= s.stopped === true;
    out.unreachable ||= s.unreachable === true;
  }
  out.dependenciesDown = [...deps].sort();
  return out;
}

/** The fault sources of one app and their combination. */
export class FaultBoard {
  private readonly sources = new Map<string, FaultSet>();
  private effective = combineFaults([]);

  /** What the app does now: every source combined. */
  get current(): EffectiveFaults {
    return this.effective;
  }

  /** Sets (replaces) one source's faults. */
  set(source: string, fault: FaultSet): EffectiveFaults {
    this.sources.set(source, fault);
    return this.recombine();
  }

  /** Removes one source's faults; an unknown source changes nothing. */
  remove(source: string): EffectiveFaults {
    this.sources.delete(source);
    return this.recombine();
  }

  /** Removes every source. */
  clear(): EffectiveFaults {
    this.sources.clear();
    return this.recombine();
  }

  /** Each source's faults as it set them, for the admin state. */
  bySource(): Record<string, FaultSet> {
    return Object.fromEntries(this.sources);
  }

  private recombine(): EffectiveFaults {
    this.effective = combineFaults([...this.sources.values()]);
    return this.effective;
  }
}
