import type { CrosswindConfig } from '../config/schema.ts';
import type { FaultKind, FaultTarget } from '../core/ledger-entry.ts';
import type { Checkpoint } from './checkpoints.ts';
import type { ChaosClients } from './clients.ts';
import type { EcsRunnerTask } from './ecs-runner-fault.ts';
import type { OpenFault } from './ledger.ts';
import { switchProblem } from './switch.ts';

/** A fault to apply, as pipelines and commands ask for it. */
export type FaultSpec =
  /** Force the region's Route 53 health check unhealthy. */
  | { kind: 'invert-health-check'; region: string }
  /** Set the region's weight to `percent` % of its own, others unchanged (a DNS canary: 10, 50, 100; 0 drains it). */
  | { kind: 'shift-weight'; region: string; percent: number }
  /** Create and start the named FIS experiment template from config (undo stops it and deletes the template). */
  | { kind: 'fis-experiment'; template: string }
  /** Start an existing FIS experiment template by id (undo stops the experiment; the template is left in place). */
  | { kind: 'fis-experiment'; templateId: string; region: string }
  /** Deploy `version` to the region with the deploy hook; undo runs the rollback hook back to `previousVersion`. */
  | {
      kind: 'deploy';
      region: string;
      version: string;
      previousVersion: string;
      deploy: string;
      rollback: string;
      timeoutMs: number;
      /** How long the deploy may stay unjudged before the dead man's switch rolls it back; default chaos.faultDeadline. */
      deadlineMs?: number;
      cwd?: string;
    }
  /** Start a remote runner's ECS task (undo stops it): not a fault, but kept in the ledger so nothing outlives the run. */
  | { kind: 'ecs-runner'; task: EcsRunnerTask };

/** What a driver needs: config, clients, and the hooks that make a fault sequence observable and abortable. */
export interface FaultContext {
  config: CrosswindConfig;
  clients: ChaosClients;
  checkpoint: Checkpoint;
  log: (line: string) => void;
  /** Aborted when the run is stopping: drivers stop waiting and make no further write. */
  signal?: AbortSignal;
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
  /** The open faults of the run applying this one (a canary's earlier weight steps); absent outside a session. */
  runFaults?: () => OpenFault[];
}

/** A fault read and described, not yet applied. */
export interface PlannedFault {
  target: FaultTarget;
  /** Everything needed to undo it: written to the ledger before `apply` runs. */
  prior: unknown;
  /** Regions this fault takes out of service, for the guardrails. */
  takesOut: string[];
  /** The write calls it makes, for people (`--dry-run`, the confirmation prompt). */
  change: string;
  /** Touches no AWS resource (a deploy hook): the guardrails check its regions only, with no AWS call. */
  awsFree?: boolean;
  /** How long it may stay open before the dead man's switch undoes it; default chaos.faultDeadline. */
  deadlineMs?: number;
  /** The write calls that undo it. */
  undo: string;
  /**
   * Makes the change; `id` is the ledger id (FIS uses it as client token and tag), `deadline` (ms) when its dead man's
   * switch fires. Returns what the `applied` line records.
   */
  apply(id: string, ctx: FaultContext, deadline: number): Promise<ApplyOutcome>;
}

/** What applying a fault did, for the ledger's `applied` line. Times are ms since the epoch. */
export interface ApplyOutcome {
  /** Just before the call that makes the change (StartExperiment, UpdateHealthCheck, ChangeResourceRecordSets): t_fault. */
  calledAt: number;
  /** When that call returned. */
  returnedAt: number;
  /** When the fault really began to act, when later than `calledAt` and known (FIS: its first action's start). */
  actsAt?: number;
  detail?: Record<string, string>;
}

/**
 * Runs the one call that changes the world, timing it: the fault can act from just before the request leaves, not
 * from when a later read sees it acting.
 */
export async function timedCall<T>(
  ctx: Pick<FaultContext, 'now'>,
  call: () => Promise<T>,
): Promise<{ value: T; calledAt: number; returnedAt: number }> {
  const calledAt = ctx.now();
  const value = await call();
  return { value, calledAt, returnedAt: ctx.now() };
}

/** One fault concept: reads the prior state into a plan, and undoes from the ledger alone. */
export interface FaultDriver<S extends FaultSpec = FaultSpec> {
  kind: FaultKind;
  plan(spec: S, ctx: FaultContext): Promise<PlannedFault>;
  /**
   * Reads the current state and puts back the prior values recorded in the intent. Idempotent: a fault never
   * applied, or already undone, is left as it is. Returns what it did, for the ledger and the log.
   */
  undo(fault: OpenFault, ctx: FaultContext): Promise<string>;
}

/** A short label for logs and prompts. */
export function describeSpec(spec: FaultSpec): string {
  switch (spec.kind) {
    case 'invert-health-check':
      return `invert-health-check ${spec.region}`;
    case 'shift-weight':
      return `shift-weight ${spec.region} to ${spec.percent}% of its weight`;
    case 'fis-experiment':
      return 'template' in spec ? `fis-experiment ${spec.template}` : `fis-experiment ${spec.templateId} in ${spec.region}`;
    case 'deploy':
      return `deploy ${spec.version} to ${spec.region}`;
    case 'ecs-runner':
      return `ecs-runner ${spec.task.runnerId} in ${spec.task.region}`;
  }
}

/**
 * Pure: a fault written on the command line: `invert-health-check:<region>`, `shift-weight:<region>:<percent>`,
 * `fis-experiment:<template>` (or `start-experiment:<template>`). Returns the problem instead of throwing.
 */
export function parseFaultSpec(text: string): FaultSpec | string {
  const [kind, ...args] = text.split(':');
  switch (kind) {
    case 'invert-health-check':
      return args.length === 1 && args[0] ? { kind, region: args[0] } : 'expected invert-health-check:<region>';
    case 'shift-weight': {
      const percent = Number(args[1]);
      return args.length === 2 && args[0] && Number.isInteger(percent)
        ? { kind, region: args[0], percent }
        : 'expected shift-weight:<region>:<percent>';
    }
    case 'fis-experiment':
    case 'start-experiment':
      if (args.length === 1 && args[0]) return { kind: 'fis-experiment', template: args[0] };
      if (args.length === 2 && args[0] && args[1]) return { kind: 'fis-experiment', region: args[0], templateId: args[1] };
      return `expected ${kind}:<template> or ${kind}:<region>:<template id>`;
    default:
      return `unknown fault "${kind}"; expected invert-health-check:<region>, shift-weight:<region>:<percent> or fis-experiment:<template>`;
  }
}

/** Pure: what is wrong with a fault for this config (unknown region, template, percentage), before any AWS call. */
export function specProblems(spec: FaultSpec, config: CrosswindConfig, path: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const regions = config.regions.map((r) => r.name);
  if ('region' in spec && !regions.includes(spec.region)) {
    problems.push({ path, message: `"${spec.region}" is not a configured region (${regions.join(', ')})` });
  }
  const noSwitch = switchProblem(config);
  if ((spec.kind === 'invert-health-check' || spec.kind === 'shift-weight') && noSwitch) problems.push(noSwitch);
  if (spec.kind === 'invert-health-check') {
    const r = config.regions.find((x) => x.name === spec.region);
    if (r && !r.healthCheckId) problems.push({ path, message: `region ${spec.region} has no healthCheckId in the config` });
  }
  if (spec.kind === 'shift-weight') {
    if (!Number.isInteger(spec.percent) || spec.percent < 0 || spec.percent > 100)
      problems.push({ path, message: `expected a whole percentage 0-100, got ${spec.percent}` });
    if (!config.chaos.weightedRecords)
      problems.push({ path: 'chaos.weightedRecords', message: 'expected the weighted record set to shift' });
  }
  if (spec.kind === 'fis-experiment' && 'template' in spec && !config.chaos.experiments[spec.template]) {
    const known = Object.keys(config.chaos.experiments);
    problems.push({
      path,
      message: `no experiment template "${spec.template}" in chaos.experiments${known.length ? ` (known: ${known.join(', ')})` : ''}`,
    });
  }
  return problems;
}
