import type { GateResult } from './gates/gate-result.ts';

// Evidence known to be missing: a vantage whose traffic runner never started, stopped early, fell silent or lost its
// clock. Its points are absent or misplaced in time, so nothing measured on them (or on a population that should have
// included them) can pass or fail; and a vantage without a single point must not vanish from the verdict either. Pure.

/** A vantage whose evidence is incomplete, and why (one sentence naming it). */
export interface EvidenceGap {
  vantage: string;
  reason: string;
}

/** Measures that do not read the vantages' traffic (the health checks time detection). */
const NOT_FROM_TRAFFIC = new Set(['detection time']);

function gapped(r: GateResult, reasons: string[]): GateResult {
  return { ...r, status: 'inconclusive', reason: `${r.reason}; inconclusive: ${reasons.join('; ')}` };
}

/**
 * Pure: the results with every gap applied. A result for a gapped vantage, or for a whole population (no vantage in
 * its group) that read the traffic, becomes inconclusive with the gap named; a gate judged per vantage that has no
 * result for a gapped vantage gets one, inconclusive, so the vantage is in the verdict.
 */
export function withEvidenceGaps(results: readonly GateResult[], gaps: readonly EvidenceGap[]): GateResult[] {
  if (gaps.length === 0) return [...results];
  const byVantage = new Map<string, string[]>();
  for (const g of gaps) byVantage.set(g.vantage, [...(byVantage.get(g.vantage) ?? []), g.reason]);
  const all = [...byVantage.values()].flat();
  const out = results.map((r) => {
    if (NOT_FROM_TRAFFIC.has(r.measure)) return r;
    const v = r.group.vantage;
    if (v === undefined) return r.status === 'inconclusive' && r.samples === 0 ? r : gapped(r, all);
    const reasons = byVantage.get(v);
    return reasons ? gapped(r, reasons) : r;
  });
  // Per-vantage gates (gate and measure) that have no result for a gapped vantage: add one.
  const perVantage = new Map<string, GateResult>();
  for (const r of results) if (r.group.vantage !== undefined) perVantage.set(`${r.gate}\0${r.measure}`, r);
  for (const [vantage, reasons] of byVantage) {
    for (const model of perVantage.values()) {
      if (results.some((r) => r.gate === model.gate && r.measure === model.measure && r.group.vantage === vantage)) continue;
      const { window: _window, interval: _interval, samplesNeeded: _needed, ...fields } = model;
      out.push({
        ...fields,
        scope: { window: model.scope.window, population: `requests from ${vantage}: none received` },
        group: { vantage },
        groupLabel: `vantage=${vantage}`,
        status: 'inconclusive',
        measured: null,
        samples: 0,
        reason: `${model.measure} [vantage=${vantage}]: not measured; ${reasons.join('; ')}`,
      });
    }
  }
  return out;
}
