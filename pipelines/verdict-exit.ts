import { CrosswindError, ExitCode } from '../config/errors.ts';

/**
 * A pipeline that ran to its end without approval: the rollout rolled back, or a gate failed or was inconclusive.
 * Thrown after the verdict and reports are written, so the CLI's one `main().catch` exits 1 or 4.
 */
export class VerdictExit extends CrosswindError {
  readonly exitCode: ExitCode;
  constructor(kind: 'rolled-back' | 'failed' | 'inconclusive', message: string) {
    super(message);
    this.exitCode = kind === 'inconclusive' ? ExitCode.inconclusive : ExitCode.rolledBack;
  }
}
