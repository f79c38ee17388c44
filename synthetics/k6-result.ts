// What a k6 run ended as, from its exit code, the signal that ended it and its end-of-test summary. Pure.

/** Where a run's files are: `<runDir>/k6/<name>.*`. */
export interface K6RunFiles {
  /** The run plan the scenario read. */
  plan: string;
  /** k6's JSON output, one metric or point a line. */
  ndjson: string;
  /** k6's end-of-test summary (`--summary-export`). */
  summary: string;
  /** k6's own stdout and stderr. */
  log: string;
}

/** The part of k6's exported summary crosswind reads: per metric, its values and thresholds (true = crossed). */
export interface K6Summary {
  metrics: Record<string, Record<string, unknown> & { thresholds?: Record<string, boolean> }>;
}

interface K6RunBase {
  /** k6's exit code; null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  files: K6RunFiles;
  durationMs: number;
  /** The end-of-test summary, when k6 got far enough to write it. */
  summary?: K6Summary;
  /** The end of k6's stderr, for messages. */
  stderrTail: string;
}

/**
 * How a k6 run ended. `thresholds-failed` is a result, not an error: the traffic ran and a bound was crossed.
 * @see https://github.com/grafana/k6/blob/master/errext/exitcodes/codes.go
 */
export type K6RunResult = K6RunBase &
  (
    | { kind: 'ok' }
    /** Exit 99: the run completed and at least one threshold was crossed. */
    | { kind: 'thresholds-failed'; failedThresholds: string[] }
    /** Exit 108: the script called test.abort() (or a threshold with abortOnFail fired). */
    | { kind: 'aborted'; message: string }
    /** Stopped from outside: a forwarded SIGINT/SIGTERM/SIGHUP, the caller's AbortSignal, or exit 105. */
    | { kind: 'interrupted' }
    /** Exit 104 or 107: the script or its options are wrong; nothing useful ran. */
    | { kind: 'script-error'; message: string }
    /** Any other exit. */
    | { kind: 'failed'; message: string }
  );

export type K6RunKind = K6RunResult['kind'];

/** k6's exit codes crosswind distinguishes. */
export const K6_EXIT = {
  thresholdsFailed: 99,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** Every crossed threshold as `metric: expression`, from the exported summary. */
export function failedThresholds(summary: K6Summary | undefined): string[] {
  if (!summary) return [];
  const out: string[] = [];
  for (const [metric, values] of Object.entries(summary.metrics ?? {})) {
    for (const [expression, crossed] of Object.entries(values.thresholds ?? {})) if (crossed === true) out.push(`${metric}: ${expression}`);
  }
  return out.sort();
}

/** The last meaningful k6 error line, for a message. */
function lastError(stderrTail: string): string {
  const lines = stderrTail.split('\n').filter((l) => /level=(error|fatal)|Error|error/.test(l));
  const line = lines.at(-1) ?? stderrTail.trim().split('\n').at(-1) ?? '';
  const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
  return (msg?.[1] ?? line).replace(/\\n/g, ' ').replace(/\\t/g, ' ').replace(/\\"/g, '"').trim();
}

/** Maps how k6 exited to a result. `stopRequested`: the caller or a forwarded signal asked k6 to stop. */
export function k6RunResult(base: K6RunBase, stopRequested: boolean): K6RunResult {
  const code = base.exitCode;
  if (code === 0) return { ...base, kind: 'ok' };
  if (stopRequested || code === K6_EXIT.externalAbort || (code === null && base.signal !== null)) return { ...base, kind: 'interrupted' };
  if (code === K6_EXIT.thresholdsFailed) return { ...base, kind: 'thresholds-failed', failedThresholds: failedThresholds(base.summary) };
  if (code === K6_EXIT.scriptAborted)
    return { ...base, kind: 'aborted', message: lastError(base.stderrTail) || 'the script aborted the test' };
  if (code === K6_EXIT.invalidConfig || code === K6_EXIT.scriptException) {
    return { ...base, kind: 'script-error', message: lastError(base.stderrTail) || `k6 exited ${code}` };
  }
  return { ...base, kind: 'failed', message: `k6 exited ${code}: ${lastError(base.stderrTail)}` };
}
