// Global traffic: what users feel. One constant-arrival-rate scenario per vantage, each requesting the endpoint that
// vantage reaches (the global name as seen from there); every request records which region served it, so a
// failover shows as `served_by` moving, and the failed requests in between are in the points.
import type { Options } from 'k6/options';
import { loadPlan } from '../lib/load-plan.ts';
import { arrivalRateScenario, baseOptions, k6ScenarioName } from '../lib/options.ts';
import { send, tagOrigin } from '../lib/request.ts';
import type { PlanVantage } from '../plan.ts';

const plan = loadPlan('global-traffic');
const VANTAGE_ENV = 'CROSSWIND_VANTAGE';

export const options: Options = {
  ...baseOptions(plan),
  scenarios: Object.fromEntries(
    plan.vantages.map((v) => [
      k6ScenarioName('global-traffic', v.name),
      arrivalRateScenario(plan.rate, plan.durationMs, 'visit', { [VANTAGE_ENV]: v.name }, plan.http.timeoutMs + 1000),
    ]),
  ),
};

const vantages = new Map<string, PlanVantage>(plan.vantages.map((v) => [v.name, v]));

/** One user request from this scenario's vantage. */
export function visit(): void {
  const vantage = vantages.get(__ENV[VANTAGE_ENV] ?? '');
  if (!vantage) throw new Error(`unknown vantage "${__ENV[VANTAGE_ENV]}"`);
  tagOrigin({ scenario: plan.scenario, vantage: vantage.name });
  send('GET', `${vantage.endpoint}${plan.path}`, null, { servedBy: plan.servedBy, timeoutMs: plan.http.timeoutMs, name: plan.path });
}
