import {
  type Change,
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import { awsCall } from './aws-call.ts';
import { type FaultContext, type FaultDriver, type FaultSpec, type PlannedFault, timedCall } from './fault.ts';
import { armSwitch, disarmSwitch, switchRole } from './switch.ts';
import { canaryWeights, drained } from './weights.ts';

/** The weighted record set and the weights before the shift, by SetIdentifier: restored exactly. */
export interface WeightPrior {
  hostedZoneId: string;
  name: string;
  type: string;
  weights: Record<string, number>;
}

type Spec = Extract<FaultSpec, { kind: 'shift-weight' }>;

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();
const zoneId = (id: string) => id.replace(/^\/?hostedzone\//, '');

/** Reads the weighted records of the configured record set, keyed by SetIdentifier. */
export async function readWeightedRecords(
  ctx: Pick<FaultContext, 'clients'>,
  where: { hostedZoneId: string; name: string; type: string },
): Promise<Map<string, ResourceRecordSet>> {
  const records = new Map<string, ResourceRecordSet>();
  let start: { name?: string; type?: string; id?: string } = { name: where.name, type: where.type };
  for (;;) {
    const out = await awsCall(
      `ListResourceRecordSets ${where.name} ${where.type} in ${where.hostedZoneId}`,
      () =>
        ctx.clients.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: zoneId(where.hostedZoneId),
            StartRecordName: start.name,
            StartRecordType: start.type as ResourceRecordSet['Type'],
            StartRecordIdentifier: start.id,
          }),
        ),
      ctx.clients.retry,
    );
    let past = false;
    for (const r of out.ResourceRecordSets ?? []) {
      if (fqdn(r.Name ?? '') !== fqdn(where.name) || r.Type !== where.type) {
        // Records are sorted by name and type: once past ours, the rest are not ours.
        if (records.size > 0) past = true;
        continue;
      }
      if (r.SetIdentifier !== undefined && r.Weight !== undefined) records.set(r.SetIdentifier, r);
    }
    if (past || !out.IsTruncated) return records;
    start = { name: out.NextRecordName, type: out.NextRecordType, id: out.NextRecordIdentifier };
  }
}

function weightsOf(records: Map<string, ResourceRecordSet>, ids: string[]): Record<string, number> {
  return Object.fromEntries(ids.map((id) => [id, Number(records.get(id)?.Weight ?? 0)]));
}

/**
 * UPSERTs the records whose weight changes, in one ChangeBatch so Route 53 applies them together.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
 */
async function upsertWeights(
  ctx: FaultContext,
  where: WeightPrior,
  current: Map<string, ResourceRecordSet>,
  weights: Record<string, number>,
) {
  const changes: Change[] = [];
  for (const [id, weight] of Object.entries(weights)) {
    const record = current.get(id);
    if (!record) throw new InfrastructureError(`weighted record ${where.name} ${where.type} "${id}" no longer exists`);
    if (Number(record.Weight) === weight) continue;
    changes.push({ Action: 'UPSERT', ResourceRecordSet: { ...record, Weight: weight } });
  }
  if (changes.length === 0) return 0;
  await awsCall(
    `ChangeResourceRecordSets ${where.name} in ${where.hostedZoneId}`,
    () =>
      ctx.clients.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId(where.hostedZoneId),
          ChangeBatch: { Comment: 'crosswind weight shift', Changes: changes },
        }),
      ),
    ctx.clients.retry,
  );
  return changes.length;
}

const pick = (w: Record<string, number>, id: string) => ({ [id]: w[id] as number });
/**
 * Pure: the ChangeResourceRecordSets request that puts `weights` back on the whole record set, as the switch sends
 * it: every record as it is now, with its weight from `weights`.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html
 */
export function upsertInput(
  where: WeightPrior,
  records: Map<string, ResourceRecordSet>,
  weights: Record<string, number>,
): Record<string, unknown> {
  const changes = Object.entries(weights).flatMap(([id, weight]) => {
    const record = records.get(id);
    return record ? [{ Action: 'UPSERT', ResourceRecordSet: { ...record, Weight: weight } }] : [];
  });
  return { HostedZoneId: zoneId(where.hostedZoneId), ChangeBatch: { Comment: "crosswind dead man's switch", Changes: changes } };
}

/** The weights from before the first open weight step of this run on the same record set, if there is one. */
function baseWeights(ctx: FaultContext, prior: WeightPrior): Record<string, number> | undefined {
  const first = ctx.runFaults?.().find((f) => {
    if (f.intent.fault.kind !== 'shift-weight') return false;
    const p = f.intent.prior as WeightPrior;
    return zoneId(p.hostedZoneId) === zoneId(prior.hostedZoneId) && fqdn(p.name) === fqdn(prior.name) && p.type === prior.type;
  });
  return (first?.intent.prior as WeightPrior | undefined)?.weights;
}

const show = (w: Record<string, number>) =>
  Object.entries(w)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * Sets one region's weight in a weighted record set to a percentage of its own (a DNS-level canary step), leaving
 * every other region's weight as it was, and restores the prior weights.
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-weighted.html
 */
export const weightShiftFault: FaultDriver<Spec> = {
  kind: 'shift-weight',

  async plan(spec, ctx): Promise<PlannedFault> {
    const where = ctx.config.chaos.weightedRecords;
    if (!where)
      throw new ConfigError([
        { path: 'chaos.weightedRecords', message: 'expected the weighted record set to shift (hostedZoneId, name, type)' },
      ]);
    const regions = ctx.config.regions.map((r, i) => {
      if (!r.setIdentifier)
        throw new ConfigError([
          { path: `regions[${i}].setIdentifier`, message: `expected the SetIdentifier of ${r.name}'s weighted record` },
        ]);
      return { name: r.name, setIdentifier: r.setIdentifier };
    });
    switchRole(ctx);
    const target = regions.find((r) => r.name === spec.region);
    if (!target) throw new ConfigError([{ path: '--region', message: `"${spec.region}" is not a configured region` }]);
    const current = await readWeightedRecords(ctx, where);
    const ids = regions.map((r) => r.setIdentifier).filter((id) => current.has(id));
    const missing = regions.filter((r) => !current.has(r.setIdentifier)).map((r) => r.setIdentifier);
    if (missing.length > 0)
      throw new InfrastructureError(`no weighted ${where.type} record ${where.name} with SetIdentifier ${missing.join(', ')}`);
    const prior: WeightPrior = { ...where, weights: weightsOf(current, ids) };
    // A step is a share of the region's weight before this run's first step (10, 50, 100 of its own, not of 10 %).
    const base = baseWeights(ctx, prior)?.[target.setIdentifier];
    const from = base === undefined ? prior.weights : { ...prior.weights, [target.setIdentifier]: base };
    const next = { ...prior.weights, ...pick(canaryWeights(from, target.setIdentifier, spec.percent), target.setIdentifier) };
    const out = drained(prior.weights, next);
    const takesOut = regions.filter((r) => out.includes(r.setIdentifier)).map((r) => r.name);
    return {
      target: {
        kind: 'shift-weight',
        region: spec.region,
        resources: { hostedZoneId: where.hostedZoneId, recordName: where.name, recordType: where.type, setIdentifiers: ids.join(',') },
      },
      prior,
      takesOut,
      change: `ChangeResourceRecordSets ${where.name} ${where.type}: weights ${show(prior.weights)} → ${show(next)}`,
      undo: `ChangeResourceRecordSets ${where.name} ${where.type}: weights back to ${show(prior.weights)}`,
      async apply(faultId, actx, deadline) {
        actx.signal?.throwIfAborted();
        // Its undo lives in AWS before the change is made. A canary's later steps put back the weights from before its
        // first step, so the switches of one run agree whichever fires first.
        const base = baseWeights(actx, prior) ?? prior.weights;
        await armSwitch(actx, faultId, deadline, { action: 'changeResourceRecordSets', input: upsertInput(prior, current, base) });
        actx.signal?.throwIfAborted();
        const { calledAt, returnedAt } = await timedCall(actx, () => upsertWeights(actx, prior, current, next));
        return { calledAt, returnedAt, detail: { weights: show(next) } };
      },
    };
  },

  async undo(fault, ctx) {
    const prior = fault.intent.prior as WeightPrior;
    const current = await readWeightedRecords(ctx, prior);
    const present = Object.fromEntries(Object.entries(prior.weights).filter(([id]) => current.has(id)));
    const changed = await upsertWeights(ctx, prior, current, present);
    // Only once the prior weights are back: until then the switch is the undo of last resort.
    await disarmSwitch(ctx, fault.intent.id);
    return changed === 0
      ? `weights of ${prior.name} already as before (${show(prior.weights)})`
      : `weights of ${prior.name} restored to ${show(prior.weights)}`;
  },
};
