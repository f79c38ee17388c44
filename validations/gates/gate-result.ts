import { DEFAULT_EVIDENCE, gateName } from '../../config/gates.ts';
import type { Gate, GateKind } from '../../config/gates-schema.ts';
import {
  type ConfidenceInterval,
  quantileInterval,
  quantileSamplesNeeded,
  type RateMethod,
  rateInterval,
  rateSamplesNeeded,
} from '../evidence.ts';
import { percentileSorted, type TagFilter } from '../series.ts';

/** A gate's outcome for one group: held, broken, or not enough evidence to say. */
export type GateStatus = 'pass' | 'fail' | 'inconclusive';

/** Units a measured value can be in, for rendering. */
export type GateUnit = 'ms' | 's' | 'ratio' | 'count' | 'value';

/**
 * One gate's result for one group (a vantage, a region pair, a fault): what was measured against what bound, on how
 * many samples. `measured` is null when nothing could be measured; such a result is never a pass.
 */
export interface GateResult {
  /** The gate's name. */
  gate: string;
  kind: GateKind;
  /** What the value is, e.g. `p(99) http_req_duration`, `client-seen failover time`. */
  measure: string;
  /** The group's tag values (`{ vantage: 'eu' }`); `{}` for a whole-run result. */
  group: Record<string, string>;
  /** `vantage=eu`, or `all`; one JUnit test case per (gate, measure, group). */
  groupLabel: string;
  status: GateStatus;
  measured: number | null;
  op: '<=' | '>=';
  bound: number;
  unit: GateUnit;
  /** Samples behind the measured value (points, requests, datapoints; for a sliding window, the worst window's). */
  samples: number;
  minSamples: number;
  /** For sliding windows and timelines: the span the value came from, ms since the epoch. */
  window?: { start: number; end: number };
  /** What was judged, in words: which window of time and which population of samples. */
  scope: GateScope;
  /**
   * Rates and percentiles: the confidence interval around `measured`, each end a one-sided bound at its level. Such a
   * result passes only when the upper end is within the bound; it fails when `measured` itself is beyond it.
   */
  interval?: ConfidenceInterval;
  /** An inconclusive rate or percentile: the samples in all that would show the bound at the observed rate (null: none would). */
  samplesNeeded?: number | null;
  /** Why the status, in a sentence: shown in verdict reasons, JUnit failures and the Markdown summary. */
  reason: string;
  /**
   * Reported, deciding nothing: a client profile the game day does not gate. Its status is what was measured; the
   * verdict names it as a warning when it did not pass.
   */
  informational?: true;
}

/** Which window and which population a result judged (`whole run`, `requests from vantage-eu`). */
export interface GateScope {
  window: string;
  population: string;
}

/** Pure: the population of a metric's points as people read it: `request_failed where target_region=us-east-1 (vantage=eu)`. */
export function populationOf(metric: string, where: TagFilter, groupLabel = 'all'): string {
  const filter = Object.entries(where)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : v.join('|')}`)
    .join(',');
  return `${metric}${filter ? ` where ${filter}` : ''}${groupLabel === 'all' ? '' : ` (${groupLabel})`}`;
}

/** How a rate or percentile result weighs its evidence. */
export interface EvidenceRule {
  /** Confidence level of the one-sided bound that must lie within the gate's bound, e.g. 0.95. */
  confidence: number;
  /** How a rate's bound is computed. */
  rateMethod: RateMethod;
}

/** The fields every result of a percentile gate (latency, capacity, replication lag) shares, in ms. */
export function percentileBase(gate: Gate & { percentile: number; metric: string; bound: number; minSamples: number }) {
  return {
    gate: gateName(gate),
    kind: gate.kind,
    measure: `p(${gate.percentile}) ${gate.metric}`,
    op: '<=' as const,
    bound: gate.bound,
    unit: 'ms' as const,
    minSamples: gate.minSamples,
  };
}

/** A gate's evidence rule: its own fields, else the defaults (0.95, Clopper-Pearson). */
export function evidenceRule(gate: { confidence?: number; rateInterval?: RateMethod }): EvidenceRule {
  return {
    confidence: gate.confidence ?? DEFAULT_EVIDENCE.confidence,
    rateMethod: gate.rateInterval ?? DEFAULT_EVIDENCE.rateInterval,
  };
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** Formats a value with its unit. */
export function formatValue(v: number | null, unit: GateUnit): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  switch (unit) {
    case 'ms':
      return `${fmt(v)} ms`;
    case 's':
      return `${fmt(v)} s`;
    case 'ratio':
      return `${fmt(v * 100)} %`;
    default:
      return fmt(v);
  }
}

/**
 * `2995` as `2,995`: what `toLocaleString('en-US')` prints for a whole number, without it. Its first call loads the
 * locale's number formats, 12-17 ms of every inconclusive verdict's command.
 */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `[0 %, 1.98 %]`: an interval's ends with their unit (`unbounded` where no bound exists). */
export function formatInterval(interval: ConfidenceInterval, unit: GateUnit): string {
  const end = (v: number | null) => (v === null ? 'unbounded' : formatValue(v, unit));
  return `[${end(interval.lower)}, ${end(interval.upper)}]`;
}

function level(interval: ConfidenceInterval): string {
  return `${Number((interval.confidence * 100).toPrecision(4))} %`;
}

/** Fields every judgement takes: the result without what the judgement decides. */
type JudgedFields = Omit<GateResult, 'status' | 'reason' | 'measured' | 'samples' | 'interval' | 'samplesNeeded'>;

/** A judgement whose samples-needed figure is worked out only if it is reported (sliding windows judge many). */
export interface DeferredJudgement {
  result: GateResult;
  /** The result as reported: an inconclusive one gains the samples that would be needed. */
  finish(): GateResult;
}

/**
 * Pure: the evidence rule for an upper bound (`<=`) given an interval: fail when the measured value is beyond the
 * bound, pass only when the interval's upper end is within it, otherwise inconclusive, naming the samples that would
 * be needed. Below `minSamples` it is inconclusive whatever the numbers: the floor stays.
 */
export function judgeWithInterval(
  fields: JudgedFields,
  measured: number,
  samples: number,
  interval: ConfidenceInterval,
  needed: () => number | null,
  detail: string,
): DeferredJudgement {
  const what = `${fields.measure} [${fields.groupLabel}]`;
  const shown = `${formatValue(measured, fields.unit)} ${formatInterval(interval, fields.unit)} at ${level(interval)}`;
  const base = { ...fields, measured, samples, interval };
  const done = (result: GateResult): DeferredJudgement => ({ result, finish: () => result });
  if (samples < fields.minSamples || Number.isNaN(measured)) {
    return done({
      ...base,
      measured: Number.isNaN(measured) ? null : measured,
      status: 'inconclusive',
      reason: `${what}: ${samples} samples, at least ${fields.minSamples} needed`,
    });
  }
  const bound = formatValue(fields.bound, fields.unit);
  if (measured > fields.bound) return done({ ...base, status: 'fail', reason: `${what}: ${shown} not <= ${bound} (${detail})` });
  if (interval.upper !== null && interval.upper <= fields.bound) {
    return done({ ...base, status: 'pass', reason: `${what}: ${shown}, upper bound <= ${bound} (${detail})` });
  }
  const result: GateResult = { ...base, status: 'inconclusive', reason: `${what}: ${shown} does not show <= ${bound} (${detail})` };
  return {
    result,
    finish() {
      const n = needed();
      const more =
        n === null
          ? `no number of samples would show it at the observed ${formatValue(measured, fields.unit)}`
          : `about ${groupThousands(n)} samples in all would be needed, were the observed rate to go on`;
      return { ...result, samplesNeeded: n, reason: `${result.reason}: ${more}` };
    },
  };
}

/** Pure: a rate (`failures` of `samples`) against an upper bound, by the evidence rule. */
export function judgeRate(fields: JudgedFields, failures: number, samples: number, rule: EvidenceRule): GateResult {
  return judgeRateDeferred(fields, failures, samples, rule).finish();
}

/** The same, deferring the samples-needed figure (for sliding windows). */
export function judgeRateDeferred(fields: JudgedFields, failures: number, samples: number, rule: EvidenceRule): DeferredJudgement {
  const measured = samples > 0 ? failures / samples : Number.NaN;
  const interval = rateInterval(failures, samples, rule.confidence, rule.rateMethod);
  return judgeWithInterval(
    fields,
    measured,
    samples,
    interval,
    () => rateSamplesNeeded(failures, samples, fields.bound, rule.confidence, rule.rateMethod),
    `${failures} of ${samples}, ${rule.rateMethod}`,
  );
}

/** Pure: a percentile (0-100, k6's method) of sorted values against an upper bound, by the evidence rule. */
export function judgePercentile(fields: JudgedFields, sorted: ArrayLike<number>, percentile: number, rule: EvidenceRule): GateResult {
  const interval = quantileInterval(sorted, percentile, rule.confidence);
  return judgeWithInterval(
    fields,
    percentileSorted(sorted, percentile),
    sorted.length,
    interval,
    () => quantileSamplesNeeded(sorted, percentile, fields.bound, rule.confidence),
    `${sorted.length} samples, order statistics`,
  ).finish();
}

/**
 * The common judgement: too few samples is inconclusive whatever the value; otherwise the bound decides. A value
 * that could not be computed (NaN) is inconclusive too.
 */
export function judge(fields: Omit<GateResult, 'status' | 'reason'> & { reason?: string }): GateResult {
  const { measured, bound, op, samples, minSamples, unit } = fields;
  const what = `${fields.measure} [${fields.groupLabel}]`;
  if (samples < minSamples || measured === null || Number.isNaN(measured)) {
    return {
      ...fields,
      measured: measured === null || Number.isNaN(measured) ? null : measured,
      status: 'inconclusive',
      reason: fields.reason ?? `${what}: ${samples} samples, at least ${minSamples} needed`,
    };
  }
  const held = op === '<=' ? measured <= bound : measured >= bound;
  return {
    ...fields,
    status: held ? 'pass' : 'fail',
    reason:
      fields.reason ??
      `${what}: ${formatValue(measured, unit)} ${held ? '' : 'not '}${op} ${formatValue(bound, unit)} (${samples} samples)`,
  };
}

/** The result of a gate that found no group at all to judge: inconclusive, naming what it looked for. */
export function noData(
  fields: Pick<GateResult, 'gate' | 'kind' | 'measure' | 'op' | 'bound' | 'unit' | 'minSamples' | 'scope'>,
  what: string,
): GateResult {
  return {
    ...fields,
    group: {},
    groupLabel: 'all',
    status: 'inconclusive',
    measured: null,
    samples: 0,
    reason: `${fields.measure}: no data (${what})`,
  };
}

/** A timing result's fields before it is judged. */
export type TimingFields = Omit<GateResult, 'status' | 'reason' | 'measured'>;

/**
 * A time that was never reached: a fail once the data covers the whole bound (it cannot be met any more), else
 * inconclusive (the run ended, or the fault was undone, before the bound was up).
 */
export function notReached(fields: TimingFields, observedMs: number, what: string): GateResult {
  const enough = fields.samples >= fields.minSamples;
  if (enough && observedMs >= fields.bound * 1000) {
    return {
      ...fields,
      measured: null,
      status: 'fail',
      reason: `${fields.measure} [${fields.groupLabel}]: ${what} within ${fields.bound} s (watched ${(observedMs / 1000).toFixed(1)} s)`,
    };
  }
  return {
    ...fields,
    measured: null,
    status: 'inconclusive',
    reason: `${fields.measure} [${fields.groupLabel}]: ${what} in the ${(Math.max(0, observedMs) / 1000).toFixed(1)} s observed (${fields.samples} samples), too short to judge a ${fields.bound} s bound`,
  };
}
