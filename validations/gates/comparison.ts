import { gateName } from '../../config/gates.ts';
import type { ComparisonGate } from '../../config/gates-schema.ts';
import { fisherGreater, hodgesLehmann, spread } from '../comparison-stats.ts';
import { mannWhitney, median } from '../mann-whitney.ts';
import { rate, type SeriesStore, type TagFilter } from '../series.ts';
import { formatValue, type GateResult, populationOf } from './gate-result.ts';

type Fields = Omit<GateResult, 'status' | 'reason' | 'measured' | 'measure' | 'op' | 'bound' | 'unit'>;

const fmt = (v: number) => String(Number(v.toPrecision(4)));

/** One side's points of a metric: the gate's filter, its region(s) and its own extra tags. */
function side(store: SeriesStore, metric: string, where: TagFilter, regionTag: string, regions: readonly string[], extra: TagFilter = {}) {
  const groups = store.select(metric, { where: { ...where, ...extra, [regionTag]: regions } });
  return groups[0]?.values ?? new Float64Array(0);
}

/**
 * The shift of the candidate's latency against the baseline (Hodges-Lehmann, with its interval): a pass when the
 * whole interval is within the allowed shift, a failure when the whole interval is beyond it (significantly and
 * materially slower), otherwise inconclusive. The allowed shift is `maxMedianRatio` of the baseline's median, never
 * below `minShift`.
 */
function shiftResult(gate: ComparisonGate, fields: Fields, x: Float64Array, y: Float64Array, versus: string): GateResult {
  const shift = hodgesLehmann(x, y, 1 - gate.alpha);
  const allowed = Math.max((gate.maxMedianRatio - 1) * median(y), gate.minShift);
  const test = mannWhitney(x, y);
  const ratio = median(x) / median(y);
  const shown = `${shift.estimate >= 0 ? '+' : ''}${fmt(shift.estimate)} [${fmt(shift.lower)}, ${fmt(shift.upper)}] at ${fmt(shift.confidence * 100)} %`;
  const stats = `median ratio ${fmt(ratio)}, Mann-Whitney p=${test.p.toPrecision(3)}, ${x.length} vs ${y.length} points`;
  const status = shift.lower > allowed ? 'fail' : shift.upper <= allowed ? 'pass' : 'inconclusive';
  const verdict =
    status === 'fail'
      ? 'slower beyond the allowed shift'
      : status === 'pass'
        ? 'within the allowed shift'
        : 'the interval straddles the allowed shift';
  return {
    ...fields,
    measure: `shift of ${gate.metric} (Hodges-Lehmann, candidate - baseline)`,
    op: '<=',
    bound: allowed,
    unit: 'value',
    measured: shift.estimate,
    interval: { lower: shift.lower, upper: shift.upper, confidence: shift.confidence, method: 'hodges-lehmann' },
    status,
    reason: `comparison [${fields.groupLabel}] vs ${versus}: shift ${shown}, allowed ${fmt(allowed)}: ${verdict}; ${stats}`,
  };
}

/**
 * Spread: a candidate noisier than its baseline fails even when its median did not move (Kayenta issue 780). A
 * widening within `minShift` is the runner's jitter, whatever the ratio (a baseline spread of 0.1 ms is no yardstick).
 */
function spreadResult(gate: ComparisonGate, fields: Fields, x: Float64Array, y: Float64Array): GateResult {
  const s = spread(x, y, gate.maxSpreadRatio);
  const significant = s.wider && s.p < gate.alpha;
  const within = s.ratio <= gate.maxSpreadRatio || s.candidateIqr - s.baselineIqr <= gate.minShift;
  const status = within ? 'pass' : significant ? 'fail' : 'inconclusive';
  return {
    ...fields,
    measure: `spread of ${gate.metric} (IQR ratio, candidate / baseline)`,
    op: '<=',
    bound: gate.maxSpreadRatio,
    unit: 'value',
    measured: Number.isFinite(s.ratio) ? s.ratio : null,
    status,
    reason: `spread [${fields.groupLabel}]: IQR ${fmt(s.candidateIqr)} vs ${fmt(s.baselineIqr)}, ratio ${fmt(s.ratio)} (bound ${gate.maxSpreadRatio}${gate.minShift ? `, widenings under ${gate.minShift} allowed` : ''}), deviations wider than ${gate.maxSpreadRatio} times the baseline's ${s.wider ? 'yes' : 'no'}, p=${s.p.toPrecision(3)}`,
  };
}

/** Errors: a candidate failing significantly more often than its baseline fails (one-sided Fisher's exact test). */
function errorResult(gate: ComparisonGate, fields: Fields, errors: { x: Float64Array; y: Float64Array }): GateResult {
  const c = rate(errors.x);
  const b = rate(errors.y);
  const p = fisherGreater(c.nonZero, c.samples, b.nonZero, b.samples);
  const samples = Math.min(c.samples, b.samples);
  const base = {
    ...fields,
    measure: `error rate of ${gate.errorMetric} vs baseline (Fisher's exact, one-sided)`,
    op: '<=' as const,
    bound: 0,
    unit: 'ratio' as const,
    samples,
    measured: samples ? c.rate - b.rate : null,
  };
  if (samples < gate.minSamples) {
    return {
      ...base,
      status: 'inconclusive',
      reason: `errors [${fields.groupLabel}]: ${c.samples} vs ${b.samples} requests, at least ${gate.minSamples} each needed`,
    };
  }
  const worse = p < gate.alpha;
  return {
    ...base,
    status: worse ? 'fail' : 'pass',
    reason: `errors [${fields.groupLabel}]: ${c.nonZero} of ${c.samples} (${formatValue(c.rate, 'ratio')}) vs ${b.nonZero} of ${b.samples} (${formatValue(b.rate, 'ratio')}), p=${p.toPrecision(3)}: ${worse ? 'significantly more errors' : 'not significantly more errors'}`,
  };
}

/**
 * The candidate against its baseline on the same metric: the latency shift with its interval, the spread, and (with
 * `errorMetric`) the error rate. In a rollout the baseline is the same region measured just before the deploy from
 * the same runner and paths (`baselineWhere`), so its distance from the runner cancels; across regions (`crosswind
 * gate --candidate --baseline`) it is the other regions. Too few points on either side is inconclusive.
 * @see https://github.com/spinnaker/kayenta/blob/master/kayenta-judge/README.md
 */
export function evaluateComparison(store: SeriesStore, gate: ComparisonGate): GateResult[] {
  const candidate = gate.candidate;
  const population = `${gate.metric} per ${gate.regionTag}: candidate${gate.candidateWhere ? ` ${populationOf('', gate.candidateWhere)}` : ''} against baseline${gate.baselineWhere ? ` ${populationOf('', gate.baselineWhere)}` : ''}`;
  const fields = (group: Record<string, string>, groupLabel: string, samples: number): Fields => ({
    gate: gateName(gate),
    kind: gate.kind,
    group,
    groupLabel,
    samples,
    minSamples: gate.minSamples,
    scope: { window: 'whole run', population },
  });
  const unsure = (f: Fields, reason: string, measured: number | null = null): GateResult[] => [
    {
      ...f,
      measure: `shift of ${gate.metric} (Hodges-Lehmann, candidate - baseline)`,
      op: '<=',
      bound: gate.maxMedianRatio,
      unit: 'value',
      measured,
      status: 'inconclusive',
      reason,
    },
  ];
  if (!candidate) return unsure(fields({}, 'all', 0), 'comparison: no candidate region given');
  const group = { [gate.regionTag]: candidate };
  const groupLabel = `${gate.regionTag}=${candidate}`;
  const baselineRegions =
    gate.baseline ??
    (gate.baselineWhere ? [candidate] : store.tagValues(gate.metric, gate.regionTag, gate.where).filter((r) => r !== candidate));
  const pick = (metric: string) => ({
    x: side(store, metric, gate.where, gate.regionTag, [candidate], gate.candidateWhere),
    y: baselineRegions.length ? side(store, metric, gate.where, gate.regionTag, baselineRegions, gate.baselineWhere) : new Float64Array(0),
  });
  const { x, y } = pick(gate.metric);
  const samples = Math.min(x.length, y.length);
  const f = fields(group, groupLabel, samples);
  const versus = gate.baselineWhere
    ? `its baseline (${populationOf('', gate.baselineWhere).trim()})`
    : baselineRegions.join(', ') || 'none';
  if (samples < gate.minSamples) {
    return unsure(
      f,
      `comparison [${groupLabel}]: candidate ${x.length} and baseline (${versus}) ${y.length} points, at least ${gate.minSamples} each needed`,
      x.length && y.length ? median(x) / median(y) : null,
    );
  }
  const results = [shiftResult(gate, f, x, y, versus), spreadResult(gate, f, x, y)];
  if (gate.errorMetric) results.push(errorResult(gate, f, pick(gate.errorMetric)));
  return results;
}
