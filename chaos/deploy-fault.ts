import { resolve } from 'node:path';
import type { FaultContext, FaultDriver, FaultSpec, PlannedFault } from './fault.ts';
import { HookFailedError, runHook } from './hooks.ts';

// A deploy is a change to the world like any fault: its intent (the region, the new version, the version it replaces
// and the command that puts that one back) is in the ledger before the deploy hook runs, so a rollout killed with an
// unjudged wave is rolled back by `crosswind restore` (or by the next crosswind command once the wave's deadline has
// passed). A wave that is approved is `kept`: it leaves the ledger's open faults without being undone.

/** Everything needed to roll a deploy back, from the ledger alone. */
export interface DeployPrior {
  region: string;
  /** The version the deploy put in place. */
  version: string;
  /** The version it replaced: what the rollback hook puts back. */
  previousVersion: string;
  /** The rollback hook (`sh -c`), run with REGION, VERSION and PREVIOUS_VERSION. */
  rollback: string;
  /** Where the hooks run (the rollout's working directory). */
  cwd: string;
  timeoutMs: number;
}

type Spec = Extract<FaultSpec, { kind: 'deploy' }>;

function hookLog(ctx: Pick<FaultContext, 'log'>) {
  return (line: string) => ctx.log(`  | ${line}`);
}

/**
 * Deploys a version to a region with the rollout's deploy hook, and rolls it back with its rollback hook.
 * @see ../pipelines/README.md, "Rollout"
 */
export const deployFault: FaultDriver<Spec> = {
  kind: 'deploy',

  async plan(spec): Promise<PlannedFault> {
    const prior: DeployPrior = {
      region: spec.region,
      version: spec.version,
      previousVersion: spec.previousVersion,
      rollback: spec.rollback,
      cwd: resolve(spec.cwd ?? process.cwd()),
      timeoutMs: spec.timeoutMs,
    };
    const env = { REGION: spec.region, VERSION: spec.version, PREVIOUS_VERSION: spec.previousVersion };
    return {
      target: { kind: 'deploy', region: spec.region, resources: { version: spec.version, previousVersion: spec.previousVersion } },
      prior,
      takesOut: [],
      awsFree: true,
      ...(spec.deadlineMs === undefined ? {} : { deadlineMs: spec.deadlineMs }),
      change: `deploy hook in ${spec.region}: ${spec.previousVersion} → ${spec.version}`,
      undo: `rollback hook in ${spec.region}: back to ${spec.previousVersion}`,
      async apply(_id, actx) {
        actx.signal?.throwIfAborted();
        const calledAt = actx.now();
        const result = await runHook(spec.deploy, env, { timeoutMs: spec.timeoutMs, cwd: prior.cwd, log: hookLog(actx) });
        const returnedAt = actx.now();
        if (result.kind === 'failed') throw new HookFailedError('deploy hook', result);
        return { calledAt, returnedAt, detail: { version: spec.version } };
      },
    };
  },

  async undo(fault, ctx) {
    const prior = fault.intent.prior as DeployPrior;
    const env = { REGION: prior.region, VERSION: prior.version, PREVIOUS_VERSION: prior.previousVersion };
    const result = await runHook(prior.rollback, env, { timeoutMs: prior.timeoutMs, cwd: prior.cwd, log: hookLog(ctx) });
    if (result.kind === 'failed') throw new HookFailedError(`rollback hook in ${prior.region}`, result);
    return `rollback hook put ${prior.previousVersion} back in ${prior.region} (replacing ${prior.version})`;
  },
};
