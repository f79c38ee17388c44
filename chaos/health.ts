import { GetHealthCheckCommand, GetHealthCheckStatusCommand } from '@aws-sdk/client-route-53';
import type { CrosswindConfig } from '../config/schema.ts';
import { awsCall } from './aws-call.ts';
import type { ChaosClients } from './clients.ts';

/** A region's health as the guardrails see it. */
export interface RegionHealth {
  region: string;
  healthy: boolean;
  /** Why, for the refusal message. */
  detail: string;
}

/** Reads every configured region's current health. Injected, so tests and the sandbox can supply their own. */
export type HealthReader = () => Promise<RegionHealth[]>;

/** Route 53 counts a health check healthy when more than 18 % of its checkers report it healthy. */
const HEALTHY_SHARE = 0.18;

/** Pure: the verdict of GetHealthCheckStatus observations, or undefined when there are none. */
export function healthyFromObservations(statuses: ReadonlyArray<string | undefined>): boolean | undefined {
  if (statuses.length === 0) return undefined;
  const ok = statuses.filter((s) => s?.startsWith('Success')).length;
  return ok / statuses.length > HEALTHY_SHARE;
}

/**
 * Health from Route 53: GetHealthCheckStatus's checker observations, and the health check's own Inverted/Disabled
 * flags. Errs towards "unhealthy" so a guardrail refuses rather than takes the last region out: a region without
 * a health check, without observations, or with an inverted health check (whether the observations already include
 * the inversion is not documented) is not counted healthy.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html
 * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html
 */
export function route53HealthReader(config: CrosswindConfig, clients: ChaosClients): HealthReader {
  return async () =>
    Promise.all(
      config.regions.map(async (r): Promise<RegionHealth> => {
        if (!r.healthCheckId) return { region: r.name, healthy: false, detail: 'no health check configured, not counted healthy' };
        const id = r.healthCheckId;
        const [status, check] = await Promise.all([
          awsCall(
            `GetHealthCheckStatus ${id}`,
            () => clients.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: id })),
            clients.retry,
          ),
          awsCall(`GetHealthCheck ${id}`, () => clients.route53.send(new GetHealthCheckCommand({ HealthCheckId: id })), clients.retry),
        ]);
        const flags = check.HealthCheck?.HealthCheckConfig;
        if (flags?.Inverted)
          return { region: r.name, healthy: false, detail: `health check ${id} is inverted${flags.Disabled ? ' and disabled' : ''}` };
        const observed = healthyFromObservations((status.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status));
        if (observed === undefined) return { region: r.name, healthy: false, detail: `health check ${id} has no observations` };
        return { region: r.name, healthy: observed, detail: `health check ${id} reports ${observed ? 'healthy' : 'unhealthy'}` };
      }),
    );
}
