import {
  CreateExperimentTemplateCommand,
  type CreateExperimentTemplateRequest,
  DeleteExperimentTemplateCommand,
  type ExperimentStatus,
  type ExperimentSummary,
  type FisClient,
  GetExperimentCommand,
  ListExperimentsCommand,
  ListExperimentTemplatesCommand,
  StartExperimentCommand,
  StopExperimentCommand,
} from '@aws-sdk/client-fis';
import type { FisTemplateConfig } from '../config/chaos-schema.ts';
import { ConfigError, InfrastructureError } from '../config/errors.ts';
import { awsCall, NotFoundError } from './aws-call.ts';
import type { FaultContext, FaultDriver, FaultSpec, PlannedFault } from './fault.ts';
import { pollUntil } from './poll.ts';

/** Tag on every template and experiment crosswind creates: the ledger id, so a crash-orphaned one is still found. */
export const FAULT_TAG = 'crosswind:fault';
export const TEMPLATE_TAG = 'crosswind:template';

/** Before the fault there was no template and no experiment: undo stops what it started and deletes the template. */
export interface FisPrior {
  template: string;
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
 * Pure: the CreateExperimentTemplate input for a configured template. Action durations become the `duration`
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
          parameters: a.duration ? { ...a.parameters, duration: a.duration } : a.parameters,
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

/** Templates and experiments carrying a fault's tag (or the ids the ledger recorded). */
async function findOwned(fis: FisClient, ctx: FaultContext, faultId: string, knownTemplateId?: string) {
  const templates = await listAll(async (nextToken) => {
    const out = await awsCall(
      'ListExperimentTemplates',
      () => fis.send(new ListExperimentTemplatesCommand({ nextToken })),
      ctx.clients.retry,
    );
    return { items: out.experimentTemplates ?? [], next: out.nextToken };
  });
  const templateIds = new Set(templates.filter((t) => t.tags?.[FAULT_TAG] === faultId && t.id).map((t) => t.id as string));
  if (knownTemplateId) templateIds.add(knownTemplateId);
  // ListExperiments, not GetExperiment, to read states: it is the cheaper call, and reading must not disturb
  // an experiment (moto advances one state per GetExperiment).
  const experiments = await listAll(async (nextToken) => {
    const out = await awsCall('ListExperiments', () => fis.send(new ListExperimentsCommand({ nextToken })), ctx.clients.retry);
    return { items: out.experiments ?? [], next: out.nextToken };
  });
  const owned = experiments.filter(
    (e: ExperimentSummary) => e.tags?.[FAULT_TAG] === faultId || (e.experimentTemplateId && templateIds.has(e.experimentTemplateId)),
  );
  return { templateIds: [...templateIds], experiments: owned };
}

async function getStatus(fis: FisClient, ctx: FaultContext, id: string): Promise<{ status: string; reason?: string }> {
  const out = await awsCall(`GetExperiment ${id}`, () => fis.send(new GetExperimentCommand({ id })), ctx.clients.retry);
  return { status: out.experiment?.state?.status ?? 'unknown', reason: out.experiment?.state?.reason };
}

/**
 * An FIS experiment from a configured template: creates the template, starts it, waits with a deadline until it is
 * running (or already finished); undo stops any experiment still going and deletes the template.
 * @see https://docs.aws.amazon.com/fis/latest/userguide/experiments.html
 */
export const fisExperimentFault: FaultDriver<Spec> = {
  kind: 'fis-experiment',

  async plan(spec, ctx): Promise<PlannedFault> {
    const t = templateConfig(ctx, spec.template);
    const prior: FisPrior = { template: spec.template, region: t.region };
    const actions = Object.values(t.actions)
      .map((a) => `${a.actionId}${a.duration ? ` ${a.duration}` : ''}`)
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
        actx.signal?.throwIfAborted();
        const started = await awsCall(
          `StartExperiment from template ${templateId}`,
          () =>
            fis.send(
              new StartExperimentCommand({ experimentTemplateId: templateId, clientToken: `${id}-start`, tags: { [FAULT_TAG]: id } }),
            ),
          actx.clients.retry,
        );
        const experimentId = started.experiment?.id;
        if (!experimentId) throw new InfrastructureError(`StartExperiment from template ${templateId} returned no experiment id`);
        actx.log(`fis: experiment ${experimentId} started from template ${templateId} (${spec.template})`);
        actx.checkpoint('fis-experiment-started');
        const { interval, deadline } = {
          interval: actx.config.chaos.poll.experimentInterval,
          deadline: actx.config.chaos.poll.experimentDeadline,
        };
        const state = await pollUntil(
          async () => {
            actx.checkpoint('fis-polling');
            return getStatus(fis, actx, experimentId);
          },
          (s) => SETTLED.has(s.status),
          {
            resource: `FIS experiment ${experimentId} to start`,
            intervalMs: interval,
            deadlineMs: deadline,
            now: actx.now,
            sleep: actx.sleep,
            signal: actx.signal,
          },
        );
        if (state.status === 'failed' || state.status === 'cancelled') {
          throw new InfrastructureError(`FIS experiment ${experimentId} ${state.status}: ${state.reason ?? 'no reason given'}`);
        }
        return { templateId, experimentId, state: state.status };
      },
    };
  },

  async undo(fault, ctx) {
    const prior = fault.intent.prior as FisPrior;
    const fis = ctx.clients.fis(prior.region);
    const { templateIds, experiments } = await findOwned(fis, ctx, fault.intent.id, fault.applied?.detail?.templateId);
    const done: string[] = [];
    for (const e of experiments) {
      const id = e.id as string;
      const status = e.state?.status ?? 'unknown';
      if (TERMINAL.has(status)) continue;
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
    return done.length ? `fis ${prior.template}: ${done.join(', ')}` : `fis ${prior.template}: nothing running, no template left`;
  },
};
