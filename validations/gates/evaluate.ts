import { gateName } from '../../config/gates.ts';
import type { Gate } from '../../config/gates-schema.ts';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import type { HealthObservation } from '../failover-timeline.ts';
import type { SeriesStore } from '../series.ts';
import { evaluateCapacity } from './capacity.ts';
import { type CloudWatchSeries, evaluateCloudWatch } from './cloudwatch.ts';
import { evaluateComparison } from './comparison.ts';
import { evaluateDeepHealth } from './deep-health.ts';
import { evaluateDependencyDown } from './dependency-down.ts';
import { evaluateErrorRate } from './error-rate.ts';
import { evaluateFailover } from './failover.ts';
import type { GateResult } from './gate-result.ts';
import { evaluateLatency } from './latency.ts';
import { evaluateReplication } from './replication.ts';

/** Everything a gate set is evaluated on; read beforehand by the adapters (readers, ledger, CloudWatch). */
export interface GateInputs {
  store: SeriesStore;
  /** The fault ledger's applied faults (`faultEvents(entries)`). */
  faults?: readonly FaultEvent[];
  /** Observed health of the regions (`health.jsonl`). */
  health?: readonly HealthObservation[];
  /** CloudWatch datapoints per CloudWatch gate name (`readCloudWatch`). */
  cloudwatch?: ReadonlyMap<string, CloudWatchSeries>;
}

/** Pure: one gate's results, one per group it judges (never an empty list: no data is an inconclusive result). */
export function evaluateGate(gate: Gate, inputs: GateInputs): GateResult[] {
  switch (gate.kind) {
    case 'latency':
      return evaluateLatency(inputs.store, gate);
    case 'error-rate':
      return evaluateErrorRate(inputs.store, gate);
    case 'failover':
      return evaluateFailover(inputs.store, gate, inputs.faults ?? [], inputs.health ?? []);
    case 'replication':
      return evaluateReplication(inputs.store, gate);
    case 'cloudwatch':
      return evaluateCloudWatch(gate, inputs.cloudwatch?.get(gateName(gate)));
    case 'comparison':
      return evaluateComparison(inputs.store, gate);
    case 'capacity':
      return evaluateCapacity(inputs.store, gate, inputs.faults ?? [], inputs.health ?? []);
    case 'deep-health':
      return evaluateDeepHealth(inputs.store, gate);
    case 'dependency-down':
      return evaluateDependencyDown(inputs.store, gate, inputs.faults ?? []);
  }
}

/** Pure: every gate's results, in gate order. */
export function evaluateGates(gates: readonly Gate[], inputs: GateInputs): GateResult[] {
  return gates.flatMap((g) => evaluateGate(g, inputs));
}

/** The metrics a gate set reads from k6 output: a reader may store only these. */
export function metricsUsed(gates: readonly Gate[]): Set<string> {
  return new Set(gates.flatMap(gateMetrics));
}

/**
 * The tag keys a gate set reads (grouping, filters, vantage/served-by/region tags). A reader may drop every other
 * tag, so tags unique per request (`url` with an item id) do not split the points into thousands of partitions.
 */
export function tagsUsed(gates: readonly Gate[]): Set<string> {
  const out = new Set<string>();
  for (const g of gates) {
    if (g.kind === 'cloudwatch') continue;
    for (const k of Object.keys(g.where)) out.add(k);
    if (g.kind === 'latency' || g.kind === 'error-rate' || g.kind === 'replication' || g.kind === 'deep-health')
      for (const k of g.groupBy) out.add(k);
    if (g.kind === 'failover') {
      out.add(g.vantageTag);
      out.add(g.profileTag);
      out.add(g.servedByTag);
    }
    if (g.kind === 'comparison') {
      out.add(g.regionTag);
      for (const k of [...Object.keys(g.candidateWhere ?? {}), ...Object.keys(g.baselineWhere ?? {})]) out.add(k);
    }
    if (g.kind === 'capacity') out.add(g.servedByTag);
    if (g.kind === 'dependency-down') out.add(g.regionTag);
  }
  return out;
}

/**
 * The metrics a gate set reads as durations or counts (latency and comparison trends, replication lag, lost
 * writes): a negative value of one is a line k6 cannot have measured, and the reader rejects it even when the file
 * does not declare the metric's type.
 */
export function nonNegativeMetrics(gates: readonly Gate[]): Set<string> {
  const out = new Set<string>();
  for (const g of gates) {
    if (g.kind === 'latency' || g.kind === 'comparison') out.add(g.metric);
    if (g.kind === 'replication') {
      out.add(g.metric);
      out.add(g.lostWritesMetric);
    }
  }
  return out;
}

/** The k6 metrics one gate reads. */
export function gateMetrics(gate: Gate): string[] {
  if (gate.kind === 'cloudwatch') return [];
  if (gate.kind === 'comparison' && gate.errorMetric) return [gate.metric, gate.errorMetric];
  return gate.kind === 'replication' ? [gate.metric, gate.lostWritesMetric] : [gate.metric];
}
