import type { FaultKind } from '../core/ledger-entry.ts';
import { deployFault } from './deploy-fault.ts';
import { ecsRunnerFault } from './ecs-runner-fault.ts';
import type { FaultDriver, FaultSpec } from './fault.ts';
import { fisExperimentFault } from './fis-experiment-fault.ts';
import { healthCheckFault } from './health-check-fault.ts';
import { weightShiftFault } from './weight-shift-fault.ts';

const DRIVERS: { [K in FaultKind]: FaultDriver } = {
  'invert-health-check': healthCheckFault as FaultDriver,
  'shift-weight': weightShiftFault as FaultDriver,
  'fis-experiment': fisExperimentFault as FaultDriver,
  deploy: deployFault as FaultDriver,
  'ecs-runner': ecsRunnerFault as FaultDriver,
};

/** The driver that plans, applies and undoes a kind of fault. */
export function driverFor(kind: FaultKind): FaultDriver {
  return DRIVERS[kind];
}

export function planFault(spec: FaultSpec, ctx: Parameters<FaultDriver['plan']>[1]) {
  return driverFor(spec.kind).plan(spec, ctx);
}
