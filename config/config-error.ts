/** One problem in the configuration or the flags, located by its path (`regions[2].endpoint`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Bad configuration or usage: every problem at once, and nothing else has run. Exit code 2 (`ExitCode.usage` in
 * core/errors.ts); it is defined here, not in core, because config sits below every other folder and imports none.
 */
export class ConfigError extends Error {
  readonly exitCode = 2 as const;
  constructor(
    readonly problems: ConfigProblem[],
    readonly source?: string,
  ) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n'));
    this.name = 'ConfigError';
  }
}
