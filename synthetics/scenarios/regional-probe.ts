// Regional probe: every region's own endpoint, bypassing global routing, and its deep health. Each dependency check
// becomes a metric (`health_check_ok`, `health_check_latency_ms`, tagged `check`), so a region whose database is down
// is seen as exactly that; a health endpoint that answers 200 with no dependency checks is flagged
// (`health_shallow`), because one that always says yes is worse than none.
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { isServingStatus, readHealth } from '../lib/health.ts';
import { loadPlan } from '../lib/load-plan.ts';
import { arrivalRateScenario, baseOptions, k6ScenarioName } from '../lib/options.ts';
import { send, tagOrigin } from '../lib/request.ts';
import type { PlanRegion } from '../plan.ts';

const plan = loadPlan('regional-probe');
const REGION_ENV = 'CROSSWIND_REGION';

export const options: Options = {
  ...baseOptions(plan),
  scenarios: Object.fromEntries(
    plan.targets.map((name) => [
      k6ScenarioName('regional-probe', name),
      arrivalRateScenario(
        plan.rate,
        plan.durationMs,
        'probe',
        { [REGION_ENV]: name },
        plan.http.timeoutMs * (1 + plan.paths.length) + 1000,
      ),
    ]),
  ),
};

/** 1 when the health answer is 200 with a serving overall status (ok, or degraded). */
const healthOk = new Rate('health_ok');
/** 1 when the health answer is 200 but carries no dependency check. */
const healthShallow = new Rate('health_shallow');
/** Per dependency (`check` tag): 1 when it reports healthy. */
const checkOk = new Rate('health_check_ok');
/** Per dependency (`check` tag): the latency it reports, in ms. */
const checkLatency = new Trend('health_check_latency_ms', true);

const regions = new Map<string, PlanRegion>(plan.regions.map((r) => [r.name, r]));

/** One probe of this scenario's region: its deep health, then its functional paths. */
export function probe(): void {
  const region = regions.get(__ENV[REGION_ENV] ?? '');
  if (!region) throw new Error(`unknown region "${__ENV[REGION_ENV]}"`);
  tagOrigin({ scenario: plan.scenario, targetRegion: region.name });
  const rules = [region.servedBy, ...plan.servedBy];
  const answer = send('GET', `${region.endpoint}${plan.healthPath}`, null, {
    servedBy: rules,
    timeoutMs: plan.http.timeoutMs,
    name: plan.healthPath,
    json: true,
  });
  const health = readHealth(answer.body);
  const tags: Record<string, string> = { served_by: answer.servedBy };
  if (health.version !== undefined) tags.version = health.version;
  const is200 = answer.res.status === 200;
  // A 200 without a status word counts as healthy: the status code is the health endpoint's primary answer. A
  // degraded region (a non-critical dependency down) still serves; its failing check shows in health_check_ok.
  healthOk.add(is200 && (health.status === undefined || isServingStatus(health.status)), tags);
  const shallow = is200 && health.checks.length === 0;
  healthShallow.add(shallow, tags);
  check(answer.res, { 'health reports its dependencies': () => !shallow }, tags);
  for (const dep of health.checks) {
    checkOk.add(dep.ok, { ...tags, check: dep.name });
    if (dep.latencyMs !== undefined) checkLatency.add(dep.latencyMs, { ...tags, check: dep.name });
  }
  for (const path of plan.paths) {
    send('GET', `${region.endpoint}${path}`, null, { servedBy: rules, timeoutMs: plan.http.timeoutMs, name: path });
  }
}
