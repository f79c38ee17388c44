import { ConfigError } from '../config/config-error.ts';

export { ConfigError, type ConfigProblem } from '../config/config-error.ts';

/**
 * Typed errors shared by every folder. Each carries the process exit code it maps to, so the CLI's one
 * `main().catch` turns any of them into the right exit without knowing where they came from.
 * @see ../shared/DESIGN.md, "Exit codes are a table"
 */
export const ExitCode = {
  approved: 0,
  rolledBack: 1,
  usage: 2,
  infrastructure: 3,
  inconclusive: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class CrosswindError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Something outside crosswind failed: AWS, k6, moto, the network, the file system. */
export class InfrastructureError extends CrosswindError {
  readonly exitCode = ExitCode.infrastructure;
}

/** A deadline-bound wait ran out; names what it waited for. */
export class DeadlineError extends InfrastructureError {
  constructor(
    readonly resource: string,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(`timed out after ${waitedMs} ms waiting for ${resource}`, options);
  }
}

/** Anything crosswind throws on purpose: it carries its exit code. */
export function isCrosswindFailure(err: unknown): err is CrosswindError | ConfigError {
  return err instanceof CrosswindError || err instanceof ConfigError;
}
