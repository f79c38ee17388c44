import { GetHealthCheckCommand, type HealthCheck, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { ConfigError, InfrastructureError } from '../core/errors.ts';
import { awsCall } from './aws-call.ts';
import { type FaultContext, type FaultDriver, type FaultSpec, type PlannedFault, timedCall } from './fault.ts';
import { armSwitch, disarmSwitch, switchRole } from './switch.ts';

/** The fields the fault changes, as they were before it: restored exactly. */
export interface HealthCheckPrior {
  healthCheckId: string;
  inverted: boolean;
  disabled: boolean;
  /** Absent for CALCULATED health checks, which have none. */
  failureThreshold?: number;
  /** The version read when the fault was planned (Route 53's optimistic concurrency). */
  healthCheckVersion?: number;
}

type Spec = Extract<FaultSpec, { kind: 'invert-health-check' }>;

export function healthCheckIdOf(ctx: Pick<FaultContext, 'config'>, region: string): string {
  const r = ctx.config.regions.find((x) => x.name === region);
  if (!r) throw new ConfigError([{ path: '--region', message: `"${region}" is not a configured region` }]);
  if (!r.healthCheckId) {
    const i = ctx.config.regions.indexOf(r);
    throw new ConfigError([{ path: `regions[${i}].healthCheckId`, message: `expected the Route 53 health check id of ${region}` }]);
  }
  return r.healthCheckId;
}

/** Reads the fields the fault touches. */
export async function readHealthCheck(ctx: Pick<FaultContext, 'clients'>, healthCheckId: string): Promise<HealthCheckPrior> {
  const out = await awsCall(
    `GetHealthCheck ${healthCheckId}`,
    () => ctx.clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId })),
    ctx.clients.retry,
  );
  return fieldsOf(healthCheckId, out.HealthCheck);
}

function fieldsOf(healthCheckId: string, hc: HealthCheck | undefined): HealthCheckPrior {
  const config = hc?.HealthCheckConfig;
  if (!config) throw new InfrastructureError(`GetHealthCheck ${healthCheckId} returned no HealthCheckConfig`);
  const prior: HealthCheckPrior = { healthCheckId, inverted: config.Inverted === true, disabled: config.Disabled === true };
  if (config.FailureThreshold !== undefined) prior.failureThreshold = config.FailureThreshold;
  if (hc?.HealthCheckVersion !== undefined) prior.healthCheckVersion = hc.HealthCheckVersion;
  return prior;
}

function same(a: HealthCheckPrior, b: HealthCheckPrior): boolean {
  return (
    a.inverted === b.inverted &&
    a.disabled === b.disabled &&
    (b.failureThreshold === undefined || a.failureThreshold === b.failureThreshold)
  );
}

function describe(h: Omit<HealthCheckPrior, 'healthCheckId' | 'healthCheckVersion'>): string {
  return `Inverted=${h.inverted}, Disabled=${h.disabled}${h.failureThreshold === undefined ? '' : `, FailureThreshold=${h.failureThreshold}`}`;
}

/**
 * Writes the three fields with UpdateHealthCheck, passing the version read just before for optimistic concurrency
 * (on AWS a concurrent edit makes the call fail instead of being overwritten; moto keeps the version at 1).
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html
 */
async function write(ctx: FaultContext, id: string, version: number | undefined, fields: Omit<HealthCheckPrior, 'healthCheckId'>) {
  await awsCall(
    `UpdateHealthCheck ${id}`,
    () =>
      ctx.clients.route53.send(
        new UpdateHealthCheckCommand({
          HealthCheckId: id,
          HealthCheckVersion: version,
          Inverted: fields.inverted,
          Disabled: fields.disabled,
          FailureThreshold: fields.failureThreshold,
        }),
      ),
    ctx.clients.retry,
  );
}

/** Puts the prior Inverted, Disabled and FailureThreshold back, on top of whatever changed meanwhile. */
async function putBack(ctx: FaultContext, prior: HealthCheckPrior): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const current = await readHealthCheck(ctx, prior.healthCheckId);
    if (same(current, prior)) return `health check ${prior.healthCheckId} already as before (${describe(prior)})`;
    try {
      await write(ctx, prior.healthCheckId, current.healthCheckVersion, prior);
      return `health check ${prior.healthCheckId} restored to ${describe(prior)}`;
    } catch (err) {
      // Someone changed it between our read and our write: read again and put the prior values back on top.
      if (attempt >= 3 || (err as { cause?: { name?: string } }).cause?.name !== 'HealthCheckVersionMismatch') throw err;
    }
  }
}

/**
 * Pure: the UpdateHealthCheck request that puts the prior fields back, as the switch sends it. No version: at the
 * deadline the prior values go back whatever was changed since.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html
 */
export function updateInput(prior: HealthCheckPrior): Record<string, unknown> {
  return {
    HealthCheckId: prior.healthCheckId,
    Inverted: prior.inverted,
    Disabled: prior.disabled,
    ...(prior.failureThreshold === undefined ? {} : { FailureThreshold: prior.failureThreshold }),
  };
}

/**
 * Forces a region's Route 53 health check unhealthy: Inverted, and (by default) Disabled, because Inverted alone
 * would turn an already failing endpoint healthy. Undo puts back the prior Inverted, Disabled and FailureThreshold.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_UpdateHealthCheck.html#Route53-UpdateHealthCheck-request-Inverted
 */
export const healthCheckFault: FaultDriver<Spec> = {
  kind: 'invert-health-check',

  async plan(spec, ctx): Promise<PlannedFault> {
    const id = healthCheckIdOf(ctx, spec.region);
    switchRole(ctx);
    const prior = await readHealthCheck(ctx, id);
    const options = ctx.config.chaos.healthCheck;
    const faulted = {
      inverted: true,
      disabled: options.disable ? true : prior.disabled,
      failureThreshold: options.failureThreshold ?? prior.failureThreshold,
    };
    return {
      target: { kind: 'invert-health-check', region: spec.region, resources: { healthCheckId: id } },
      prior,
      takesOut: [spec.region],
      change: `UpdateHealthCheck ${id} (${spec.region}): ${describe(prior)} → ${describe(faulted)}`,
      undo: `UpdateHealthCheck ${id} (${spec.region}): back to ${describe(prior)}`,
      async apply(faultId, actx, deadline) {
        actx.signal?.throwIfAborted();
        // Its undo lives in AWS before the change is made: the switch fires at the deadline whatever happens to us.
        await armSwitch(actx, faultId, deadline, { action: 'updateHealthCheck', input: updateInput(prior) });
        actx.signal?.throwIfAborted();
        const { calledAt, returnedAt } = await timedCall(actx, () => write(actx, id, prior.healthCheckVersion, faulted));
        return { calledAt, returnedAt, detail: { healthCheckId: id } };
      },
    };
  },

  async undo(fault, ctx) {
    const prior = fault.intent.prior as HealthCheckPrior;
    const done = await putBack(ctx, prior);
    // Only once the prior state is back: until then the switch is the undo of last resort.
    await disarmSwitch(ctx, fault.intent.id);
    return done;
  },
};
