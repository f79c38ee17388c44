// Reads the run plan the launcher wrote. Runs in k6's init context, where open() is allowed; every VU reads the
// same file, so the plan is the single source of targets, rates and thresholds for a run.
import { PLAN_ENV, type RunPlan, type ScenarioName } from '../plan.ts';

/**
 * The plan for `scenario`, from the JSON file named by `CROSSWIND_PLAN`. Throws (k6 then exits 107 before any
 * request is made) when the variable is missing or the plan is for another scenario.
 * @see https://grafana.com/docs/k6/latest/javascript-api/init-context/open/
 */
export function loadPlan<S extends ScenarioName>(scenario: S): Extract<RunPlan, { scenario: S }> {
  const file = __ENV[PLAN_ENV];
  if (!file) throw new Error(`${PLAN_ENV} is not set: run this scenario through the crosswind launcher (synthetics/k6.ts)`);
  const plan = JSON.parse(open(file)) as RunPlan;
  if (plan.version !== 1) throw new Error(`${file}: plan version ${String(plan.version)}, expected 1`);
  if (plan.scenario !== scenario) throw new Error(`${file}: a plan for "${plan.scenario}", expected "${scenario}"`);
  return plan as Extract<RunPlan, { scenario: S }>;
}
