import { parseIsoDuration } from '../config/duration.ts';

// When an FIS experiment's fault begins to act. StartExperiment returns before any action runs, and an action with
// `startAfter` waits for its predecessors to finish (an `aws:fis:wait` of PT30S delays what follows by 30 s), so the
// start call's time is only a lower bound. FIS reports each action's `startTime` in GetExperiment once it started;
// an action can never start before its chain of predecessors allows, whatever a report says. Pure.
// @see https://docs.aws.amazon.com/fis/latest/userguide/experiment-actions.html (startAfter)

/** Actions that time or check rather than act on targets: they start no fault. */
const NOT_ACTING: ReadonlySet<string> = new Set(['aws:fis:wait', 'aws:cloudwatch:assert-alarm-state']);

/** An action as GetExperiment reports it. */
export interface ReportedAction {
  actionId?: string;
  startAfter?: string[];
  parameters?: Record<string, string>;
  startTime?: Date;
  endTime?: Date;
  state?: { status?: string };
}

/** States after which an action that never started will not start. */
const OVER: ReadonlySet<string> = new Set(['completed', 'stopped', 'failed', 'cancelled', 'skipped']);

/**
 * Pure: the earliest time (ms) each action can start: `calledAt` for one without predecessors, else the latest end of
 * its predecessors, each ending when FIS reports it did, else its start (reported, else its own earliest) plus its
 * `duration` (an action without one ends as it starts). A cycle counts as no delay.
 */
export function earliestStarts(actions: Readonly<Record<string, ReportedAction>>, calledAt: number): Map<string, number> {
  const earliest = new Map<string, number>();
  const visiting = new Set<string>();
  const startOf = (name: string): number => {
    const known = earliest.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return calledAt;
    visiting.add(name);
    let at = calledAt;
    for (const before of actions[name]?.startAfter ?? []) {
      const b = actions[before];
      const began = Math.max(b?.startTime?.getTime() ?? 0, startOf(before));
      const ended = b?.endTime?.getTime() ?? began + (parseIsoDuration(b?.parameters?.duration ?? '') ?? 0);
      at = Math.max(at, ended);
    }
    visiting.delete(name);
    earliest.set(name, at);
    return at;
  };
  for (const name of Object.keys(actions)) startOf(name);
  return earliest;
}

/** Pure: ms after the start call at which each action can start at the earliest, from the template alone. */
export function startAfterOffsets(actions: Readonly<Record<string, ReportedAction>>): Map<string, number> {
  const bare = Object.fromEntries(Object.entries(actions).map(([n, a]) => [n, { ...a, startTime: undefined, endTime: undefined }]));
  return new Map([...earliestStarts(bare, 0)]);
}

export interface ActionStarts {
  /** When the first acting action began to act (ms), if any did; undefined when none acts or none started yet. */
  actsAt?: number;
  /** Per acting action: when it began, and whether FIS reported it (else the earliest its startAfter chain allows). */
  starts: Record<string, { at: number; reported: boolean }>;
  /** Acting actions that have not started and still may: wait for them before taking `actsAt`. */
  pending: string[];
  /** The earliest each pending action can start, from what has been reported so far (ms). */
  pendingEarliest: number;
}

/**
 * Pure: when each acting action began to act, from a GetExperiment answer and the time just before StartExperiment:
 * the start FIS reported, never earlier than its startAfter chain allows from the call (moto stamps every action with
 * the experiment's start).
 */
export function actionStarts(actions: Readonly<Record<string, ReportedAction>>, calledAt: number): ActionStarts {
  const byTemplate = startAfterOffsets(actions);
  const earliest = earliestStarts(actions, calledAt);
  const starts: ActionStarts['starts'] = {};
  const pending: string[] = [];
  for (const [name, a] of Object.entries(actions)) {
    if (NOT_ACTING.has(a.actionId ?? '')) continue;
    const reported = a.startTime?.getTime();
    if (reported !== undefined) starts[name] = { at: Math.max(reported, calledAt + (byTemplate.get(name) ?? 0)), reported: true };
    else if (!OVER.has(a.state?.status ?? '')) pending.push(name);
  }
  const times = Object.values(starts).map((s) => s.at);
  const pendingEarliest = Math.max(calledAt, ...pending.map((n) => earliest.get(n) ?? calledAt));
  return { ...(times.length ? { actsAt: Math.min(...times) } : {}), starts, pending, pendingEarliest };
}

/** Pure: with no report to go on (FIS gave none in time), each acting action's earliest start from what was reported. */
export function assumedStarts(
  actions: Readonly<Record<string, ReportedAction>>,
  calledAt: number,
  names: readonly string[],
): ActionStarts['starts'] {
  const earliest = earliestStarts(actions, calledAt);
  return Object.fromEntries(names.map((n) => [n, { at: earliest.get(n) ?? calledAt, reported: false }]));
}
