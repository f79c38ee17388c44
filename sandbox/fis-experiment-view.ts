// GetExperiment as FIS answers it, from what the sandbox's executor really did. moto walks an experiment through its
// states one GetExperiment at a time and stamps every action with the experiment's start, whatever `startAfter`
// says; FIS reports each action's own state and start time. The sandbox API rewrites moto's answer with the
// executor's times, so callers measuring from an action's start see when it really began to act. Pure.
// @see https://docs.aws.amazon.com/fis/latest/APIReference/API_ExperimentAction.html

/** What the executor knows of one experiment: per action, when it started and ended (ms), and whether all ended. */
export interface ExecutedExperiment {
  ended: boolean;
  actions: Record<string, { startedAt?: number; endedAt?: number }>;
}

interface ActionJson {
  startTime?: number;
  endTime?: number;
  state?: { status?: string; reason?: string };
  [k: string]: unknown;
}

/**
 * The body of a GetExperiment answer with each action's `startTime`, `endTime` and `state` replaced by the
 * executor's: started and running, completed, or still pending (no start time) while its predecessors run. FIS
 * times are epoch seconds. An experiment the executor has not seen yet has every action pending.
 */
export function experimentView(body: string, executed: ExecutedExperiment | undefined): string {
  let doc: { experiment?: { actions?: Record<string, ActionJson>; state?: { status?: string; reason?: string } } };
  try {
    doc = JSON.parse(body);
  } catch {
    return body;
  }
  const actions = doc.experiment?.actions;
  if (!actions) return body;
  const status = doc.experiment?.state?.status;
  // moto's "completed" is its shortcut; until the executor has run every action the experiment is running.
  if (doc.experiment?.state && !executed?.ended && status === 'completed') {
    doc.experiment.state = { status: 'running', reason: 'Experiment is running.' };
  }
  for (const [name, action] of Object.entries(actions)) {
    const times = executed?.actions[name];
    delete action.startTime;
    delete action.endTime;
    if (times?.startedAt === undefined) {
      action.state = executed?.ended
        ? { status: 'cancelled', reason: 'The experiment ended before the action started.' }
        : { status: 'pending', reason: 'Waiting for the actions it starts after.' };
      continue;
    }
    action.startTime = times.startedAt / 1000;
    if (times.endedAt !== undefined) {
      action.endTime = times.endedAt / 1000;
      action.state = { status: 'completed', reason: 'Action completed.' };
    } else action.state = { status: 'running', reason: 'Action is running.' };
  }
  return JSON.stringify(doc);
}
