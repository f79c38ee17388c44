import type { GateResult } from '../../validations/gates/gate-result.ts';

type Judged = Pick<GateResult, 'measure' | 'status' | 'measured' | 'reason'> & { informational?: true };

/**
 * How a drill that went as planned may end: approved, or inconclusive only because a client failed over so fast
 * that its transition held too few requests to bound their error rate (0 failed of 10 cannot show <= 25 %). That is
 * the evidence rule working, not a fault of the drill; the failover time itself is random within the DNS TTL, so a
 * test cannot rule it out. Returns the verdict to expect and every gate that failed or lacks evidence for another
 * reason (which the test expects to be none).
 */
export function expectedDrillVerdict(gates: readonly Judged[]): { verdict: 'approve' | 'inconclusive'; unexpected: string[] } {
  const gated = gates.filter((g) => !g.informational);
  const shortTransition = (g: Judged) => g.status === 'inconclusive' && g.measure === 'transition error rate' && g.measured === 0;
  const unexpected = gated.filter((g) => g.status === 'fail' || (g.status === 'inconclusive' && !shortTransition(g))).map((g) => g.reason);
  return { verdict: gated.some(shortTransition) ? 'inconclusive' : 'approve', unexpected };
}
