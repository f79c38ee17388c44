import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CrosswindConfig } from '../config/schema.ts';
import { ConfigError, CrosswindError, ExitCode } from '../core/errors.ts';
import type { FaultTarget } from '../core/ledger-entry.ts';
import { awsCall } from './aws-call.ts';
import type { ChaosClients } from './clients.ts';
import type { RegionHealth } from './health.ts';

/** A fault the guardrails refused: nothing was written, to AWS or to the ledger. */
export class GuardrailRefusal extends CrosswindError {
  readonly exitCode = ExitCode.usage;
  constructor(
    readonly fault: string,
    readonly reasons: string[],
  ) {
    super(`refused ${fault}: ${reasons.join('; ')}`);
  }
}

/** An open fault anywhere in the project's ledgers, as the guardrails need it. */
export interface OpenFaultRef {
  runDir: string;
  id: string;
  target: FaultTarget;
}

export interface GuardrailInput {
  /** The fault asked for. */
  target: FaultTarget;
  /** Regions it takes out of service. */
  takesOut: string[];
  /** Every configured region's health now; undefined leaves the healthy-regions rule unchecked (a first look). */
  health: RegionHealth[] | undefined;
  /** Faults already open, in this run and in others. */
  open: OpenFaultRef[];
  /** The run this fault would be written to. */
  runDir: string;
  minHealthyRegions: number;
  allowedRegions: string[];
  /** The account the credentials act on; absent for a fault that touches no AWS resource (a deploy hook). */
  accountId?: string;
  allowedAccounts: string[];
}

export type GuardrailDecision = { kind: 'allow'; healthyAfter: string[] } | { kind: 'refuse'; reasons: string[] };

/** Pure: the resources a fault writes to, as keys that two faults collide on. */
export function resourceKeys(target: FaultTarget): string[] {
  const r = target.resources;
  switch (target.kind) {
    case 'invert-health-check':
      return r.healthCheckId ? [`health-check:${r.healthCheckId}`] : [];
    case 'shift-weight':
      return [`records:${r.hostedZoneId}/${(r.recordName ?? '').replace(/\.$/, '').toLowerCase()}/${r.recordType}`];
    case 'fis-experiment':
      // Each experiment gets its own template; two experiments never write to the same FIS resource.
      return [];
    case 'deploy':
      // Two rollouts deploying to one region at once would each roll back to the other's version.
      return [`deploy:${target.region}`];
    case 'ecs-runner':
      // Every runner is a task of its own.
      return [];
  }
}

/**
 * Pure: whether a fault may be applied. Refuses, with every reason at once, a fault on an account or region the
 * config does not allow, a fault that would leave fewer healthy regions than the minimum (regions under open faults
 * count as unhealthy whatever Route 53 says yet), and a fault on a resource another run still has faulted (its
 * undo would put back the other run's fault, not the real prior state).
 */
export function decide(input: GuardrailInput): GuardrailDecision {
  const reasons: string[] = [];
  if (input.accountId !== undefined && !input.allowedAccounts.includes(input.accountId)) {
    reasons.push(`account ${input.accountId} is not in aws.accountIds (${input.allowedAccounts.join(', ')})`);
  }
  for (const region of new Set([input.target.region, ...input.takesOut])) {
    if (!input.allowedRegions.includes(region))
      reasons.push(`region ${region} is not in aws.allowedRegions (${input.allowedRegions.join(', ')})`);
  }
  const keys = new Set(resourceKeys(input.target));
  for (const o of input.open) {
    const clash = resourceKeys(o.target).filter((k) => keys.has(k));
    if (clash.length === 0) continue;
    // A canary steps its weights within one run (undone newest first); anything else on a faulted resource is refused.
    if (o.runDir === input.runDir && input.target.kind === 'shift-weight' && o.target.kind === 'shift-weight') continue;
    reasons.push(
      `${clash.join(', ')} already has an open fault (${o.target.kind} ${o.target.region}, ${o.id} in ${o.runDir}); run crosswind restore first`,
    );
  }
  if (input.health === undefined) return reasons.length ? { kind: 'refuse', reasons } : { kind: 'allow', healthyAfter: [] };
  const underFault = new Set(input.open.flatMap((o) => o.target.takesOut ?? [o.target.region]));
  const healthyNow = input.health.filter((h) => h.healthy && !underFault.has(h.region)).map((h) => h.region);
  const healthyAfter = healthyNow.filter((r) => !input.takesOut.includes(r));
  if (input.takesOut.length > 0 && healthyAfter.length < input.minHealthyRegions) {
    const notHealthy = input.health
      .filter((h) => !healthyNow.includes(h.region))
      .map((h) => `${h.region}: ${underFault.has(h.region) ? 'under an open fault' : h.detail}`);
    reasons.push(
      `taking ${input.takesOut.join(', ')} out would leave ${healthyAfter.length} healthy region(s)` +
        `${healthyAfter.length ? ` (${healthyAfter.join(', ')})` : ''}, fewer than chaos.minHealthyRegions = ${input.minHealthyRegions}` +
        `${notHealthy.length ? `; not healthy now: ${notHealthy.join('; ')}` : ''}`,
    );
  }
  return reasons.length ? { kind: 'refuse', reasons } : { kind: 'allow', healthyAfter };
}

/**
 * The account the credentials act on.
 * @see https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function callerAccount(clients: Pick<ChaosClients, 'sts' | 'retry'>): Promise<string> {
  const out = await awsCall('sts:GetCallerIdentity', () => clients.sts.send(new GetCallerIdentityCommand({})), clients.retry);
  return out.Account ?? 'unknown';
}

/**
 * The account the credentials act on, refused (exit 2) unless it is in `aws.accountIds`. Every mode calls it before
 * its first write, hook or run folder, so credentials for the wrong account change nothing anywhere.
 */
export async function allowedAccount(config: CrosswindConfig, clients: Pick<ChaosClients, 'sts' | 'retry'>): Promise<string> {
  const account = await callerAccount(clients);
  if (!config.aws.accountIds.includes(account)) {
    throw new ConfigError([
      {
        path: 'aws.accountIds',
        message: `account ${account} is not in aws.accountIds (${config.aws.accountIds.join(', ')}): the credentials in use act on an account crosswind may not touch; nothing was written and no hook ran`,
      },
    ]);
  }
  return account;
}
