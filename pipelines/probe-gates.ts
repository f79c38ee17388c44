import { errorRateGateSchema, type Gate, latencyGateSchema } from '../config/gates-schema.ts';
import type { ProbeConfig } from '../config/probe-schema.ts';
import type { GateResult } from '../validations/gates/gate-result.ts';
import type { ProbeCell } from './probe-metrics.ts';

/**
 * Pure: the probe's gates over a window of cycles. Errors are judged per vantage (a failed request has no serving
 * region to attribute it to); latency per vantage and serving region.
 */
export function probeGates(probe: ProbeConfig, minSamples = probe.minSamples): Gate[] {
  return [
    errorRateGateSchema.parse({
      kind: 'error-rate',
      name: 'probe-errors',
      metric: 'request_failed',
      bound: probe.maxErrorRate,
      groupBy: ['vantage', 'served_by'],
      minSamples,
    }),
    latencyGateSchema.parse({
      kind: 'latency',
      name: 'probe-latency',
      metric: 'request_duration',
      percentile: probe.latencyPercentile,
      bound: probe.maxLatencyMs,
      groupBy: ['vantage', 'served_by'],
      minSamples,
    }),
  ];
}

/**
 * Pure: one cycle's cells from gate results evaluated on that cycle alone with minSamples 1 (so every group that
 * saw a request reports its count, rate and percentile), marked with whether the window's gates held for the same
 * vantage and region (undefined when the window was inconclusive there).
 */
export function probeCells(cycle: readonly GateResult[], window: readonly GateResult[]): ProbeCell[] {
  const cells = new Map<string, ProbeCell>();
  const cellOf = (g: GateResult) => {
    const vantage = g.group.vantage ?? 'all';
    const region = g.group.served_by ?? 'all';
    const key = `${vantage}\u0000${region}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = { vantage, region, requests: 0, failures: 0, latencyMs: undefined, gatesHeld: undefined };
      cells.set(key, cell);
    }
    return cell;
  };
  for (const g of cycle) {
    if (g.measured === null) continue;
    const cell = cellOf(g);
    if (g.kind === 'error-rate') {
      cell.requests = g.samples;
      cell.failures = Math.round(g.measured * g.samples);
    } else if (g.kind === 'latency') cell.latencyMs = g.measured;
  }
  for (const cell of cells.values()) {
    const mine = window.filter((g) => (g.group.vantage ?? 'all') === cell.vantage && (g.group.served_by ?? 'all') === cell.region);
    if (mine.length === 0 || mine.some((g) => g.status === 'inconclusive'))
      cell.gatesHeld = mine.some((g) => g.status === 'fail') ? false : undefined;
    else cell.gatesHeld = mine.every((g) => g.status === 'pass');
  }
  return [...cells.values()].sort((a, b) => a.vantage.localeCompare(b.vantage) || a.region.localeCompare(b.region));
}
