/**
 * Pure: the weights that give `target` `percent` % of a weighted record set's traffic. The other records share
 * the rest in proportion to their prior weights (equally if they all had 0), so a canary at 10 %, 50 %, 100 % keeps
 * the survivors' relative shares. Weights are on a scale of 100 (Route 53 takes 0-255; only ratios matter) and
 * always sum to exactly 100, rounding by largest remainder.
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html
 */
export function shiftedWeights(prior: Readonly<Record<string, number>>, target: string, percent: number): Record<string, number> {
  if (!(target in prior)) throw new Error(`no weighted record "${target}"`);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`expected a whole percentage 0-100, got ${percent}`);
  const others = Object.keys(prior).filter((k) => k !== target);
  const rest = 100 - percent;
  const otherTotal = others.reduce((sum, k) => sum + (prior[k] ?? 0), 0);
  const exact = others.map((k) => ({ k, share: otherTotal > 0 ? ((prior[k] ?? 0) * rest) / otherTotal : rest / others.length }));
  const out: Record<string, number> = { [target]: others.length === 0 ? 100 : percent };
  let left = others.length === 0 ? 0 : rest;
  for (const e of exact) {
    out[e.k] = Math.floor(e.share);
    left -= Math.floor(e.share);
  }
  // Largest remainder first; ties by name so the result is deterministic.
  const byRemainder = [...exact].sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)) || a.k.localeCompare(b.k));
  for (const e of byRemainder) {
    if (left <= 0) break;
    out[e.k] = (out[e.k] ?? 0) + 1;
    left--;
  }
  return out;
}

/** Pure: the records that carry no traffic after the shift but did before (taken out of service by it). */
export function drained(prior: Readonly<Record<string, number>>, next: Readonly<Record<string, number>>): string[] {
  return Object.keys(next).filter((k) => next[k] === 0 && (prior[k] ?? 0) > 0);
}
