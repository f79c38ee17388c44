/**
 * Pure: the weights of a DNS canary step: `target` at `percent` % of its own prior weight (so 100 % is its normal
 * share again, never more), every other record's weight exactly as it was. Route 53 weights are whole numbers: the
 * step is rounded, and a region with weight that is not drained (percent above 0) keeps at least 1, so a canary step
 * never takes a region out; only 0 % drains it.
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html
 */
export function canaryWeights(prior: Readonly<Record<string, number>>, target: string, percent: number): Record<string, number> {
  if (!(target in prior)) throw new Error(`no weighted record "${target}"`);
  if (!Number.isInteger(percent) || percent < 0 || percent > 100) throw new Error(`expected a whole percentage 0-100, got ${percent}`);
  const own = prior[target] ?? 0;
  const scaled = percent === 0 || own === 0 ? 0 : Math.max(1, Math.round((own * percent) / 100));
  return { ...prior, [target]: scaled };
}

/** Pure: the records that carry no traffic after the shift but did before (taken out of service by it). */
export function drained(prior: Readonly<Record<string, number>>, next: Readonly<Record<string, number>>): string[] {
  return Object.keys(next).filter((k) => next[k] === 0 && (prior[k] ?? 0) > 0);
}
