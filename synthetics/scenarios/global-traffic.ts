// Global traffic: what users feel. One constant-arrival-rate scenario per vantage, each requesting the endpoint that
// vantage reaches (the global name as seen from there); every request records which region served it, so a
// failover shows as `served_by` moving, and the failed requests in between are in the points.
import type { Options } from 'k6/options';
import { loadPlan } from '../lib/load-plan.ts';
import { arrivalRateScenario, baseOptions, k6ScenarioName } from '../lib/options.ts';
import { repeatedSend, tagOrigin } from '../lib/request.ts';
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
const requestOptions = { servedBy: plan.servedBy, timeoutMs: plan.http.timeoutMs, name: plan.path };
// Resolved once per VU and vantage, not per request: this is the hottest path of any scenario. The VU's tags are set
// with it, and stay set: nothing else in this scenario changes them.
let target: { vantage: string; send: () => void } | undefined;

/** One user request from this scenario's vantage. */
export function visit(): void {
  const name = __ENV[VANTAGE_ENV] ?? '';
  if (target?.vantage !== name) {
    const vantage = vantages.get(name);
    if (!vantage) throw new Error(`unknown vantage "${name}"`);
    tagOrigin({ scenario: plan.scenario, vantage: vantage.name });
    target = { vantage: name, send: repeatedSend('GET', `${vantage.endpoint}${plan.path}`, requestOptions) };
  }
  target.send();
}
