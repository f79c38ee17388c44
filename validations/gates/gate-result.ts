import type { GateKind } from '../../config/gates-schema.ts';

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
  /** Why the status, in a sentence: shown in verdict reasons, JUnit failures and the Markdown summary. */
  reason: string;
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
  fields: Pick<GateResult, 'gate' | 'kind' | 'measure' | 'op' | 'bound' | 'unit' | 'minSamples'>,
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
