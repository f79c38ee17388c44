import { CrosswindError, ExitCode } from '../core/errors.ts';
import type { GateResult } from './gates/gate-result.ts';

/** Why a verdict is not an approval: one per failed or inconclusive gate result. */
export interface Reason {
  gate: string;
  measure: string;
  groupLabel: string;
  message: string;
}

/** The decision on a run. Argo Rollouts' analysis outcome, with the evidence attached. */
export type Verdict = { kind: 'approve' } | { kind: 'rollback'; reasons: Reason[] } | { kind: 'inconclusive'; reasons: Reason[] };

/** A verdict and every gate result behind it. */
export interface Judgement {
  verdict: Verdict;
  results: GateResult[];
}

function reasonOf(r: GateResult): Reason {
  return { gate: r.gate, measure: r.measure, groupLabel: r.groupLabel, message: r.reason };
}

/**
 * Pure: the informational results that did not pass (a client profile the game day does not gate), as the verdict
 * names them: warnings beside it, whatever it is.
 */
export function informationalWarnings(results: readonly GateResult[]): Reason[] {
  return results
    .filter((r) => r.informational && r.status !== 'pass')
    .map((r) => ({ ...reasonOf(r), message: `informational, not gated: ${r.reason}` }));
}

/**
 * Pure: any failed result rolls back; otherwise any inconclusive result (too few samples, missing data) makes the
 * verdict inconclusive; no results at all is inconclusive too. Approval needs every result to have passed.
 * Informational results decide nothing (see `informationalWarnings`); with nothing but them, nothing was judged.
 */
export function decide(all: readonly GateResult[]): Verdict {
  const results = all.filter((r) => !r.informational);
  const failed = results.filter((r) => r.status === 'fail');
  if (failed.length) return { kind: 'rollback', reasons: failed.map(reasonOf) };
  const unsure = results.filter((r) => r.status !== 'pass');
  if (unsure.length) return { kind: 'inconclusive', reasons: unsure.map(reasonOf) };
  if (results.length === 0)
    return {
      kind: 'inconclusive',
      reasons: [
        {
          gate: '-',
          measure: '-',
          groupLabel: 'all',
          message: all.length ? 'only informational results: nothing gated was evaluated' : 'no gates were evaluated',
        },
      ],
    };
  return { kind: 'approve' };
}

/** The process exit code of a verdict (DESIGN.md's table): 0 approve, 1 rollback, 4 inconclusive. */
export function exitCodeOf(verdict: Verdict): ExitCode {
  switch (verdict.kind) {
    case 'approve':
      return ExitCode.approved;
    case 'rollback':
      return ExitCode.rolledBack;
    case 'inconclusive':
      return ExitCode.inconclusive;
  }
}

/**
 * Thrown by a command after its reports are written when the verdict is not an approval, so the CLI's one
 * `main().catch` exits 1 (rollback) or 4 (inconclusive).
 */
export class VerdictError extends CrosswindError {
  readonly exitCode: ExitCode;
  constructor(readonly verdict: Exclude<Verdict, { kind: 'approve' }>) {
    const n = verdict.reasons.length;
    super(
      verdict.kind === 'rollback'
        ? `verdict: rollback (${n} gate result${n === 1 ? '' : 's'} failed)`
        : `verdict: inconclusive (${n} gate result${n === 1 ? '' : 's'} without enough evidence)`,
    );
    this.exitCode = exitCodeOf(verdict);
  }
}
