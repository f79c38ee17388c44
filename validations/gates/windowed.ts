import type { SeriesGroup, SeriesStore, TagFilter } from '../series.ts';
import { type DeferredJudgement, type GateResult, noData, populationOf } from './gate-result.ts';

/** The fields a gate's results share before a group is judged. */
export type GateBase = Pick<GateResult, 'gate' | 'kind' | 'measure' | 'op' | 'bound' | 'unit' | 'minSamples'>;

/** The fields of one group's result before the judgement. */
export type GroupFields = GateBase & Pick<GateResult, 'group' | 'groupLabel' | 'scope'>;

const at = (ms: number) => new Date(ms).toISOString();

/**
 * Combines the results of every sliding window of a group: any failing window fails the group (the worst one is
 * reported); otherwise a window without enough evidence (a gap in the traffic, a bound not shown) leaves the group
 * inconclusive, because a window without evidence cannot be said to have held; otherwise the group passes, reported
 * by its weakest window (the highest upper bound).
 */
export function combineWindows(judged: readonly DeferredJudgement[], fields: GroupFields): GateResult {
  const what = `${fields.measure} [${fields.groupLabel}]`;
  if (judged.length === 0) {
    return { ...fields, measured: null, samples: 0, status: 'inconclusive', reason: `${what}: no window to judge` };
  }
  const windows = judged.map((j) => j.result);
  const pick = (status: GateResult['status'], worse: (a: GateResult, b: GateResult) => boolean): GateResult | undefined => {
    let chosen: DeferredJudgement | undefined;
    for (const j of judged) if (j.result.status === status && (!chosen || worse(j.result, chosen.result))) chosen = j;
    return chosen?.finish();
  };
  const where = (r: GateResult) => (r.window ? ` at ${at(r.window.start)}` : '');
  const failed = pick('fail', (a, b) => (a.measured ?? 0) > (b.measured ?? 0));
  if (failed) return { ...failed, reason: `${failed.reason}, worst of ${windows.length} windows${where(failed)}` };
  const thin = pick('inconclusive', (a, b) => a.samples < b.samples);
  if (thin) return { ...thin, reason: `${thin.reason}, in the window${where(thin)} (${windows.length} windows)` };
  const upper = (r: GateResult) => r.interval?.upper ?? r.measured ?? 0;
  const weakest = pick('pass', (a, b) => upper(a) > upper(b)) as GateResult;
  return { ...weakest, reason: `${weakest.reason}, weakest of ${windows.length} windows${where(weakest)}` };
}

/**
 * Judges every group of `gate.metric` against an upper bound: over the whole run, or with `gate.window` over every
 * sliding window. No matching point at all is one inconclusive result rather than a pass. Each result names its
 * window and population.
 */
export function judgeGroupsAtMost(
  store: SeriesStore,
  gate: { metric: string; where: TagFilter; groupBy: readonly string[]; window?: { seconds: number; stepSeconds: number } },
  base: GateBase,
  judge: {
    whole(g: SeriesGroup, fields: GroupFields): GateResult;
    windows(
      g: SeriesGroup,
      fields: GroupFields,
      window: { seconds: number; stepSeconds: number },
      origin: number | undefined,
    ): DeferredJudgement[];
  },
): GateResult[] {
  const windowName = gate.window ? `every ${gate.window.seconds} s window (step ${gate.window.stepSeconds} s)` : 'whole run';
  const groups = store.select(gate.metric, { where: gate.where, groupBy: gate.groupBy });
  if (groups.length === 0) {
    return [
      noData(
        { ...base, scope: { window: windowName, population: populationOf(gate.metric, gate.where) } },
        `no ${gate.metric} points match`,
      ),
    ];
  }
  const origin = store.span()?.start;
  return groups.map((g) => {
    const fields: GroupFields = {
      ...base,
      group: g.key,
      groupLabel: g.label,
      scope: { window: windowName, population: populationOf(gate.metric, gate.where, g.label) },
    };
    if (gate.window) return combineWindows(judge.windows(g, fields, gate.window, origin), fields);
    return judge.whole(g, fields);
  });
}
