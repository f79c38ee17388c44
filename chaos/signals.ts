import { ExitCode } from '../core/errors.ts';
import type { StopSource } from '../core/ledger-entry.ts';

/** The signals that stop a run and undo its faults: Ctrl-C, a polite kill, and a hang-up. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** What the handlers stop: a fault session (or anything that can undo its faults and say where its ledger is). */
export interface Stoppable {
  readonly runDir: string | undefined;
  stop(source: StopSource, reason: string): Promise<void>;
}

/**
 * SIGINT, SIGTERM and SIGHUP (a closed terminal or SSH session) stop the run (experiments stopped, faults undone),
 * then the process exits non-zero (the run's own error, or 4 if it hangs); a second signal exits at once (130) and
 * leaves the ledger for `crosswind restore`.
 * Uncaught errors and unhandled rejections restore, then exit 3. Returns the function that removes the handlers.
 */
export function installSignalHandlers(
  session: Stoppable,
  log: (line: string) => void,
  exit: (code: number) => void = (c) => process.exit(c),
): () => void {
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log(
        `${sig} again: exiting now; open faults stay in the ledger${session.runDir ? ` of ${session.runDir}` : ''}: run crosswind restore`,
      );
      exit(130);
      return;
    }
    log(`${sig}: stopping and undoing every fault of the run (${sig} again exits at once and leaves them for crosswind restore)`);
    void session.stop('signal', `received ${sig}`).finally(() => {
      // The body normally sees the abort and returns; if it hangs on something that ignores the signal, exit anyway.
      setTimeout(() => exit(ExitCode.inconclusive), 10_000).unref();
    });
  };
  const onFatal = (err: unknown) => {
    log(`uncaught error: ${(err as Error)?.message ?? String(err)}; undoing every fault of the run`);
    void session
      .stop('error', `uncaught error: ${(err as Error)?.message ?? String(err)}`)
      .catch(() => {})
      .finally(() => exit(ExitCode.infrastructure));
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
