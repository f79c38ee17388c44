import type { SeriesGroup, SeriesStore, TagFilter, WindowStat } from '../series.ts';
import { type GateResult, judge, noData } from './gate-result.ts';

/**
 * Judges a sliding-window evaluation: the worst window that has enough samples decides a failure; if no window
 * fails but some window lacks samples (a gap in the traffic), the group is inconclusive, because a window without
 * evidence cannot be said to have held.
 */
export function judgeWindows(
  windows: readonly WindowStat[],
  base: Omit<GateResult, 'status' | 'reason' | 'measured' | 'samples' | 'window'>,
  worse: (a: number, b: number) => boolean,
): GateResult {
  let worst: WindowStat | undefined;
  let thin: WindowStat | undefined;
  let judged = 0;
  for (const w of windows) {
    if (w.samples < base.minSamples || Number.isNaN(w.value)) {
      if (!thin || w.samples < thin.samples) thin = w;
      continue;
    }
    judged++;
    if (!worst || worse(w.value, worst.value)) worst = w;
  }
  const what = `${base.measure} [${base.groupLabel}]`;
  if (worst) {
    const r = judge({ ...base, measured: worst.value, samples: worst.samples, window: { start: worst.start, end: worst.end } });
    if (r.status === 'fail') {
      return { ...r, reason: `${r.reason}, worst of ${windows.length} windows at ${new Date(worst.start).toISOString()}` };
    }
    if (!thin) return { ...r, reason: `${r.reason}, worst of ${judged} windows` };
  }
  const t = thin as WindowStat | undefined;
  return {
    ...base,
    measured: worst ? worst.value : null,
    samples: t ? t.samples : 0,
    window: t ? { start: t.start, end: t.end } : undefined,
    status: 'inconclusive',
    reason: t
      ? `${what}: window at ${new Date(t.start).toISOString()} has ${t.samples} samples, at least ${base.minSamples} needed`
      : `${what}: no window to judge`,
  };
}

/**
 * Judges every group of `gate.metric` against an upper bound: over the whole run, or with `gate.window` over every
 * sliding window. No matching point at all is one inconclusive result rather than a pass.
 */
export function judgeGroupsAtMost(
  store: SeriesStore,
  gate: { metric: string; where: TagFilter; groupBy: readonly string[]; window?: { seconds: number; stepSeconds: number } },
  base: Pick<GateResult, 'gate' | 'kind' | 'measure' | 'op' | 'bound' | 'unit' | 'minSamples'>,
  measure: {
    whole(g: SeriesGroup): { measured: number; samples: number };
    windows(g: SeriesGroup, window: { seconds: number; stepSeconds: number }, origin: number | undefined): WindowStat[];
  },
): GateResult[] {
  const groups = store.select(gate.metric, { where: gate.where, groupBy: gate.groupBy });
  if (groups.length === 0) return [noData(base, `no ${gate.metric} points match`)];
  const origin = store.span()?.start;
  return groups.map((g) => {
    const fields = { ...base, group: g.key, groupLabel: g.label };
    if (gate.window) return judgeWindows(measure.windows(g, gate.window, origin), fields, (a, b) => a > b);
    return judge({ ...fields, ...measure.whole(g) });
  });
}
