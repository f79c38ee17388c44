// Session continuity: users keep their session when the region serving them changes. Each VU creates a session
// through its vantage's endpoint (the global name), then checks it again and again; every definite answer is a
// `session_kept` sample (1 found, 0 gone), tagged with the region that created it and whether the serving region
// has moved since. Sessions must live in a replicated store, or a failover logs everyone out.
import { check, sleep } from 'k6';
import { Counter, Rate } from 'k6/metrics';
import type { Options } from 'k6/options';
import { loadPlan } from '../lib/load-plan.ts';
import { baseOptions, constantVusScenario, k6ScenarioName } from '../lib/options.ts';
import { jsonHeaders, send, tagOrigin } from '../lib/request.ts';
import { UNKNOWN_REGION } from '../lib/served-by.ts';
import type { PlanVantage } from '../plan.ts';

const plan = loadPlan('session-continuity');
const VANTAGE_ENV = 'CROSSWIND_VANTAGE';

export const options: Options = {
  ...baseOptions(plan),
  scenarios: Object.fromEntries(
    plan.vantages.map((v) => [
      k6ScenarioName('session-continuity', v.name),
      constantVusScenario(plan.sessionsPerVantage, plan.durationMs, 'hold', { [VANTAGE_ENV]: v.name }, plan.http.timeoutMs + 1000),
    ]),
  ),
};

/** Per check with a definite answer: 1 when the session was still valid. */
const sessionKept = new Rate('session_kept');
/** Sessions created. */
const sessionsCreated = new Counter('sessions_created');
/** Checks without a definite answer (no response, 5xx): the session's fate is unknown, so they are not in session_kept. */
const sessionCheckErrors = new Counter('session_check_errors');

/** Status codes that mean "no such session". */
const GONE = [401, 403, 404, 410];

const vantages = new Map<string, PlanVantage>(plan.vantages.map((v) => [v.name, v]));
// Per VU (each VU is its own JavaScript runtime): the session it holds.
let session: { id: string; createdBy: string } | undefined;

function sessionId(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const nested = b.session !== null && typeof b.session === 'object' ? (b.session as Record<string, unknown>).id : undefined;
  const id = b.id ?? b.sessionId ?? b.session_id ?? nested;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Create this VU's session if it has none, else check it; then wait the check interval. */
export function hold(): void {
  const vantage = vantages.get(__ENV[VANTAGE_ENV] ?? '');
  if (!vantage) throw new Error(`unknown vantage "${__ENV[VANTAGE_ENV]}"`);
  tagOrigin({ scenario: plan.scenario, vantage: vantage.name });
  const common = { servedBy: plan.servedBy, timeoutMs: plan.http.timeoutMs, json: true, headers: jsonHeaders() };
  if (!session) {
    const created = send('POST', `${vantage.endpoint}${plan.sessionsPath}`, JSON.stringify({ user: `${plan.runId}-${__VU}` }), {
      ...common,
      name: plan.sessionsPath,
    });
    const id = created.ok ? sessionId(created.body) : undefined;
    if (id) {
      session = { id, createdBy: created.servedBy };
      sessionsCreated.add(1, { created_by: created.servedBy });
    }
  } else {
    const answer = send('GET', `${vantage.endpoint}${plan.sessionsPath}/${session.id}`, null, {
      ...common,
      name: `${plan.sessionsPath}/:id`,
    });
    const tags = {
      created_by: session.createdBy,
      served_by: answer.servedBy,
      moved: String(answer.servedBy !== UNKNOWN_REGION && answer.servedBy !== session.createdBy),
    };
    if (answer.res.status === 200 || GONE.includes(answer.res.status)) {
      const kept = answer.res.status === 200;
      sessionKept.add(kept, tags);
      check(answer.res, { 'session still valid': () => kept }, tags);
    } else {
      sessionCheckErrors.add(1, tags);
    }
  }
  sleep(plan.checkIntervalMs / 1000);
}
