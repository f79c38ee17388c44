import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateRequest,
  DeleteExperimentTemplateCommand,
  type ExperimentStatus,
  type ExperimentSummary,
  type FisClient,
  GetExperimentCommand,
  GetExperimentTemplateCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import type { FisTemplateConfig } from '../config/chaos-schema.ts';
import { isoDuration } from '../config/duration.ts';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import { pollUntil } from '../core/poll.ts';
import { awsCall, NotFoundError } from './aws-call.ts';
import { type ApplyOutcome, type FaultContext, type FaultDriver, type FaultSpec, type PlannedFault, timedCall } from './fault.ts';
import { actionStarts, assumedStarts, type ReportedAction } from './fis-action-starts.ts';
import { unboundedActions } from './fis-bounds.ts';
import { GuardrailRefusal } from './guardrails.ts';

/** Tag on every template and experiment crosswind creates: the ledger id, so a crash-orphaned one is still found. */
export const FAULT_TAG = 'crosswind:fault';
export const TEMPLATE_TAG = 'crosswind:template';

/**
 * Before the fault no experiment of it ran. With a template from config there was no template either: undo stops
 * what it started and deletes the template it created. With an existing template (by id) only the experiment is ours.
 */
export interface FisPrior {
  /** Name in chaos.experiments, when crosswind created the template. */
  template?: string;
  /** The existing template started, when crosswind did not create it. */
  templateId?: string;
  region: string;
}

type Spec = Extract<FaultSpec, { kind: 'fis-experiment' }>;

/** States after which an experiment no longer acts. */
export const TERMINAL: ReadonlySet<string> = new Set<ExperimentStatus>(['completed', 'stopped', 'failed']);
/** States a started experiment settles in (the start poll stops at the first of these). */
const SETTLED: ReadonlySet<string> = new Set<string>(['running', ...TERMINAL, 'cancelled']);

export function templateConfig(ctx: Pick<FaultContext, 'config'>, name: string): FisTemplateConfig {
  const t = ctx.config.chaos.experiments[name];
  if (!t) {
    const known = Object.keys(ctx.config.chaos.experiments);
    throw new ConfigError([
      {
        path: '--template',
        message: `no experiment template "${name}" in chaos.experiments${known.length ? ` (known: ${known.join(', ')})` : ''}`,
      },
    ]);
  }
  return t;
}

/**
 * Pure: the CreateExperimentTemplate input for a configured template. Action durations become the ISO 8601 `duration`
 * parameter; alarms become FIS stop conditions (FIS watches them too; crosswind polls them itself as well).
 * @see https://docs.aws.amazon.com/fis/latest/APIReference/API_CreateExperimentTemplate.html
 */
export function templateInput(name: string, t: FisTemplateConfig, faultId: string): CreateExperimentTemplateRequest {
  return {
    clientToken: faultId,
    description: t.description,
    roleArn: t.roleArn,
    targets: Object.fromEntries(
      Object.entries(t.targets).map(([k, v]) => [
        k,
        {
          resourceType: v.resourceType,
          resourceArns: v.resourceArns,
          resourceTags: v.resourceTags,
          filters: v.filters,
          selectionMode: v.selectionMode,
          parameters: v.parameters,
        },
      ]),
    ),
    actions: Object.fromEntries(
      Object.entries(t.actions).map(([k, a]) => [
        k,
        {
          actionId: a.actionId,
          description: a.description,
          parameters: a.duration ? { ...a.parameters, duration: isoDuration(a.duration) } : a.parameters,
          targets: a.targets,
          startAfter: a.startAfter,
        },
      ]),
    ),
    stopConditions: t.stopConditionAlarms.length
      ? t.stopConditionAlarms.map((arn) => ({ source: 'aws:cloudwatch:alarm', value: arn }))
      : [{ source: 'none' }],
    tags: { ...t.tags, [FAULT_TAG]: faultId, [TEMPLATE_TAG]: name },
  };
}

async function listAll<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    all.push(...out.items);
    token = out.next;
  } while (token);
  return all;
}

/**
 * Experiments carrying a fault's tag, and (for a template crosswind created) the templates carrying it and the
 * experiments started from them: found even when a crash kept their ids out of the ledger.
 */
async function findOwned(fis: FisClient, ctx: FaultContext, faultId: string, createdTemplateId: string | undefined, created: boolean) {
  const templateIds = new Set<string>();
  if (created) {
    const templates = await listAll(async (nextToken) => {
      const out = await awsCall(
        'ListExperimentTemplates',
        () => fis.send(new ListExperimentTemplatesCommand({ nextToken })),
        ctx.clients.retry,
      );
      return { items: out.experimentTemplates ?? [], next: out.nextToken };
    });
    for (const t of templates) if (t.tags?.[FAULT_TAG] === faultId && t.id) templateIds.add(t.id);
    if (createdTemplateId) templateIds.add(createdTemplateId);
  }
  // ListExperiments, not GetExperiment, to read states: it is the cheaper call, and reading must not disturb
  // an experiment (moto advances one state per GetExperiment).
  const experiments = await listAll(async (nextToken) => {
    const out = await awsCall('ListExperiments', () => fis.send(new ListExperimentsCommand({ nextToken })), ctx.clients.retry);
    return { items: out.experiments ?? [], next: out.nextToken };
  });
  const owned = experiments.filter(
    (e: ExperimentSummary) =>
      e.tags?.[FAULT_TAG] === faultId || (e.experimentTemplateId !== undefined && templateIds.has(e.experimentTemplateId)),
  );
  return { templateIds: [...templateIds], experiments: owned };
}

interface ExperimentRead {
  status: string;
  reason?: string;
  actions: Record<string, ReportedAction>;
}

async function getStatus(fis: FisClient, ctx: FaultContext, id: string): Promise<ExperimentRead> {
  const out = await awsCall(`GetExperiment ${id}`, () => fis.send(new GetExperimentCommand({ id })), ctx.clients.retry);
  return {
    status: out.experiment?.state?.status ?? 'unknown',
    reason: out.experiment?.state?.reason,
    actions: out.experiment?.actions ?? {},
  };
}

/** How long past its earliest possible start an action that has not started is waited for. */
const START_GRACE_MS = 5000;

/**
 * When the experiment's fault began to act: its acting actions' start times as FIS reports them, waited for while an
 * action still waits on its `startAfter` chain (until a few seconds past the earliest its reported predecessors
 * allow); past that, that earliest start.
 */
async function whenActing(fis: FisClient, ctx: FaultContext, id: string, first: ExperimentRead, calledAt: number) {
  const interval = ctx.config.chaos.poll.experimentInterval;
  let read = first;
  let starts = actionStarts(read.actions, calledAt);
  const grace = Math.max(START_GRACE_MS, 2 * interval);
  while (
    starts.pending.length > 0 &&
    !TERMINAL.has(read.status) &&
    read.status !== 'cancelled' &&
    ctx.now() < starts.pendingEarliest + grace
  ) {
    ctx.signal?.throwIfAborted();
    await ctx.sleep(interval);
    read = await getStatus(fis, ctx, id);
    starts = actionStarts(read.actions, calledAt);
  }
  const all = { ...assumedStarts(read.actions, calledAt, starts.pending), ...starts.starts };
  const times = Object.values(all).map((s) => s.at);
  const shown = Object.entries(all)
    .map(([name, s]) => `${name} ${new Date(s.at).toISOString()}${s.reported ? '' : ' (by startAfter, not reported)'}`)
    .join(', ');
  return { read, actsAt: times.length ? Math.min(...times) : undefined, shown };
}

/** StartExperiment, tagged with the fault id (undo finds it even if the ledger never got its id), then wait until it runs. */
async function startAndWait(fis: FisClient, ctx: FaultContext, id: string, templateId: string): Promise<ApplyOutcome> {
  ctx.signal?.throwIfAborted();
  // t_fault is before the start call: the experiment may act before any later read sees it running.
  const {
    value: started,
    calledAt,
    returnedAt,
  } = await timedCall(ctx, () =>
    awsCall(
      `StartExperiment from template ${templateId}`,
      () =>
        fis.send(new StartExperimentCommand({ experimentTemplateId: templateId, clientToken: `${id}-start`, tags: { [FAULT_TAG]: id } })),
      ctx.clients.retry,
    ),
  );
  const experimentId = started.experiment?.id;
  if (!experimentId) throw new InfrastructureError(`StartExperiment from template ${templateId} returned no experiment id`);
  ctx.log(`fis: experiment ${experimentId} started from template ${templateId}`);
  ctx.checkpoint('fis-experiment-started');
  const state = await pollUntil(
    async () => {
      ctx.checkpoint('fis-polling');
      return getStatus(fis, ctx, experimentId);
    },
    (s) => SETTLED.has(s.status),
    {
      resource: `FIS experiment ${experimentId} to start`,
      intervalMs: ctx.config.chaos.poll.experimentInterval,
      deadlineMs: ctx.config.chaos.poll.experimentDeadline,
      now: ctx.now,
      sleep: ctx.sleep,
      signal: ctx.signal,
    },
  );
  if (state.status === 'failed' || state.status === 'cancelled') {
    throw new InfrastructureError(`FIS experiment ${experimentId} ${state.status}: ${state.reason ?? 'no reason given'}`);
  }
  const acting = await whenActing(fis, ctx, experimentId, state, calledAt);
  const detail = { templateId, experimentId, state: acting.read.status, ...(acting.shown ? { actions: acting.shown } : {}) };
  return { calledAt, returnedAt, ...(acting.actsAt === undefined ? {} : { actsAt: acting.actsAt }), detail };
}

type FromConfig = Extract<Spec, { template: string }>;
type Existing = Extract<Spec, { templateId: string }>;

function planFromConfig(spec: FromConfig, ctx: FaultContext): PlannedFault {
  const t = templateConfig(ctx, spec.template);
  const unbounded = unboundedActions(
    Object.entries(t.actions).map(([name, a]) => ({
      name,
      actionId: a.actionId,
      ...(a.duration ? { duration: isoDuration(a.duration) } : {}),
    })),
    ctx.config.chaos.faultDeadline,
  );
  if (unbounded.length > 0)
    throw new ConfigError(unbounded.map((message) => ({ path: `chaos.experiments.${spec.template}.actions`, message })));
  const prior: FisPrior = { template: spec.template, region: t.region };
  const actions = Object.values(t.actions)
    .map((a) => `${a.actionId}${a.duration ? ` ${isoDuration(a.duration)}` : ''}`)
    .join(', ');
  return {
    target: { kind: 'fis-experiment', region: t.region, resources: { template: spec.template } },
    prior,
    takesOut: [t.region],
    change: `CreateExperimentTemplate "${spec.template}" in ${t.region} (${actions}), then StartExperiment`,
    undo: `StopExperiment (if still running), then DeleteExperimentTemplate "${spec.template}" in ${t.region}`,
    async apply(id, actx) {
      const fis = actx.clients.fis(t.region);
      actx.signal?.throwIfAborted();
      const created = await awsCall(
        `CreateExperimentTemplate "${spec.template}" in ${t.region}`,
        () => fis.send(new CreateExperimentTemplateCommand(templateInput(spec.template, t, id))),
        actx.clients.retry,
      );
      const templateId = created.experimentTemplate?.id;
      if (!templateId) throw new InfrastructureError(`CreateExperimentTemplate "${spec.template}" returned no id`);
      actx.checkpoint('fis-template-created');
      return startAndWait(fis, actx, id, templateId);
    },
  };
}

/**
 * An existing template (one the sandbox or an IaC stack provisioned): started, watched and stopped, never deleted.
 * It is read first: a template with an action that would not end on its own by the fault's deadline is refused.
 */
async function planExisting(spec: Existing, ctx: FaultContext): Promise<PlannedFault> {
  const out = await awsCall(
    `GetExperimentTemplate ${spec.templateId} in ${spec.region}`,
    () => ctx.clients.fis(spec.region).send(new GetExperimentTemplateCommand({ id: spec.templateId })),
    ctx.clients.retry,
  );
  const actions = Object.entries(out.experimentTemplate?.actions ?? {}).map(([name, a]) => ({
    name,
    actionId: a.actionId ?? '',
    ...(a.parameters?.duration ? { duration: a.parameters.duration } : {}),
  }));
  const unbounded = unboundedActions(actions, ctx.config.chaos.faultDeadline);
  if (unbounded.length > 0) throw new GuardrailRefusal(`fis-experiment ${spec.templateId} in ${spec.region}`, unbounded);
  const prior: FisPrior = { templateId: spec.templateId, region: spec.region };
  return {
    target: { kind: 'fis-experiment', region: spec.region, resources: { templateId: spec.templateId } },
    prior,
    takesOut: [spec.region],
    change: `StartExperiment from template ${spec.templateId} in ${spec.region}`,
    undo: `StopExperiment (if still running) in ${spec.region}; the template stays`,
    apply: (id, actx) => startAndWait(actx.clients.fis(spec.region), actx, id, spec.templateId),
  };
}

/**
 * An FIS experiment: from a configured template (created, started, deleted on undo) or an existing template by id
 * (started, stopped on undo). Waits with a deadline until the experiment is running (or already finished); undo
 * stops any experiment of the fault still going.
 * @see https://docs.aws.amazon.com/fis/latest/userguide/experiments.html
 */
export const fisExperimentFault: FaultDriver<Spec> = {
  kind: 'fis-experiment',

  async plan(spec, ctx) {
    return 'templateId' in spec ? planExisting(spec, ctx) : planFromConfig(spec, ctx);
  },

  async undo(fault, ctx) {
    const prior = fault.intent.prior as FisPrior;
    const fis = ctx.clients.fis(prior.region);
    const created = prior.template !== undefined;
    const { templateIds, experiments } = await findOwned(fis, ctx, fault.intent.id, fault.applied?.detail?.templateId, created);
    const done: string[] = [];
    for (const e of experiments) {
      const id = e.id as string;
      const status: string = e.state?.status ?? 'unknown';
      if (TERMINAL.has(status) || status === 'cancelled') continue;
      if (status !== 'stopping') {
        await awsCall(`StopExperiment ${id}`, () => fis.send(new StopExperimentCommand({ id })), ctx.clients.retry);
      }
      ctx.checkpoint('fis-stopping');
      const end = await pollUntil(
        () => getStatus(fis, ctx, id),
        (s) => TERMINAL.has(s.status) || s.status === 'cancelled',
        {
          resource: `FIS experiment ${id} to stop`,
          intervalMs: ctx.config.chaos.poll.experimentInterval,
          deadlineMs: ctx.config.chaos.poll.stopDeadline,
          now: ctx.now,
          sleep: ctx.sleep,
        },
      );
      done.push(`experiment ${id} ${end.status}`);
    }
    for (const templateId of templateIds) {
      try {
        await awsCall(
          `DeleteExperimentTemplate ${templateId}`,
          () => fis.send(new DeleteExperimentTemplateCommand({ id: templateId })),
          ctx.clients.retry,
        );
        done.push(`template ${templateId} deleted`);
      } catch (err) {
        // Already deleted by an earlier, interrupted undo: the state we want.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    const name = prior.template ?? prior.templateId;
    return done.length ? `fis ${name}: ${done.join(', ')}` : `fis ${name}: nothing running${created ? ', no template left' : ''}`;
  },
};
