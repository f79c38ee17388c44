import { gateName } from '../config/gates.ts';
import type { Gate } from '../config/gates-schema.ts';
import type { FaultEvent } from '../core/ledger-entry.ts';
import type { CloudWatchSender } from './cloudwatch-reader.ts';
import { type FaultTimeline, failoverTimeline, type HealthObservation, requestsByVantage } from './failover-timeline.ts';
import type { CloudWatchSeries } from './gates/cloudwatch.ts';
import { evaluateGates, gateMetrics, metricsUsed, nonNegativeMetrics, tagsUsed } from './gates/evaluate.ts';
import { failoverOptions } from './gates/failover.ts';
import type { GateResult } from './gates/gate-result.ts';
import { type PointSource, type ReadOptions, type ReadStats, readInto } from './read-points.ts';
import { SeriesStore } from './series.ts';
import { decide, type Judgement } from './verdict.ts';

export interface JudgeOptions {
  /** k6 NDJSON files (plain or gzipped) and/or live point streams; merged. */
  sources: PointSource | readonly PointSource[];
  gates: readonly Gate[];
  faults?: readonly FaultEvent[];
  health?: readonly HealthObservation[];
  /** A CloudWatch client per region, for CloudWatch gates (created by the caller from the config). */
  cloudwatch?: (region: string | undefined) => CloudWatchSender;
  /** "Now", for CloudWatch lookback windows when there are no points to take the window from. */
  now?: () => number;
  read?: ReadOptions;
  /** Only points in [start, end) (ms since the epoch): one bake period or probe cycle of a longer stream. */
  timeRange?: { start?: number; end?: number };
}

export interface JudgeOutcome extends Judgement {
  stats: ReadStats;
  store: SeriesStore;
  /** The points' time span, ms since the epoch. */
  span?: { start: number; end: number };
  /** The failover timelines of the first failover gate, when the run had faults (for reports). */
  failover: FaultTimeline[];
}

/**
 * One inconclusive result per gate whose metrics had lines rejected (a line naming no metric counts for every
 * gate): a gate judged on the lines that were left would be judged on partial evidence, and a line k6 cannot have
 * written is no evidence of success.
 */
function rejectedInput(gates: readonly Gate[], stats: ReadStats): GateResult[] {
  const out: GateResult[] = [];
  for (const gate of gates) {
    const metrics = gateMetrics(gate);
    if (metrics.length === 0) continue;
    const n = [...metrics, ''].reduce((sum, m) => sum + (stats.rejectedByMetric[m] ?? 0), 0);
    if (n === 0) continue;
    const first = stats.rejected.find((r) => r.metric === undefined || metrics.includes(r.metric));
    const at = first ? `, first at ${first.source}:${first.line}: ${first.reason}` : '';
    out.push({
      gate: gateName(gate),
      kind: gate.kind,
      measure: `rejected lines of ${metrics.join(', ')}`,
      group: {},
      groupLabel: 'all',
      status: 'inconclusive',
      measured: n,
      op: '<=',
      bound: 0,
      unit: 'count',
      samples: n,
      minSamples: 0,
      scope: { window: 'whole run', population: `k6 output lines of ${metrics.join(', ')}` },
      reason: `${gateName(gate)}: ${n} line${n === 1 ? '' : 's'} of k6 output rejected${at}; the gate is not judged on what is left`,
    });
  }
  return out;
}

/**
 * Reads k6 output (only the metrics the gates use), reads CloudWatch for CloudWatch gates, evaluates every gate and
 * decides. The I/O is here; everything it calls after reading is pure.
 */
export async function judgeRun(options: JudgeOptions): Promise<JudgeOutcome> {
  const store = new SeriesStore();
  const used = metricsUsed(options.gates);
  const keep = [...tagsUsed(options.gates)].sort();
  // Tags objects arrive interned, so projecting each distinct one once (by identity) is enough.
  const projected = new Map<object, Readonly<Record<string, string>>>();
  const byKey = new Map<string, Readonly<Record<string, string>>>();
  const project = (tags: Readonly<Record<string, string>>): Readonly<Record<string, string>> => {
    let p = projected.get(tags);
    if (!p) {
      const kept: Record<string, string> = {};
      for (const k of keep) if (tags[k] !== undefined) kept[k] = tags[k];
      const key = JSON.stringify(kept);
      p = byKey.get(key);
      if (!p) {
        p = Object.freeze(kept);
        byKey.set(key, p);
      }
      projected.set(tags, p);
    }
    return p;
  };
  const from = options.timeRange?.start ?? Number.NEGATIVE_INFINITY;
  const to = options.timeRange?.end ?? Number.POSITIVE_INFINITY;
  const stats = await readInto(
    options.sources,
    (metric, tags, time, value) => {
      if (used.has(metric) && time >= from && time < to) store.add(metric, project(tags), time, value);
    },
    { ...options.read, metrics: used, nonNegative: nonNegativeMetrics(options.gates) },
  );
  const span = store.span();
  const cloudwatch = new Map<string, CloudWatchSeries>();
  for (const gate of options.gates) {
    if (gate.kind !== 'cloudwatch' || !options.cloudwatch) continue;
    const end = span ? span.end : (options.now ?? Date.now)();
    const start = span ? Math.min(span.start, end - gate.lookbackSeconds * 1000) : end - gate.lookbackSeconds * 1000;
    // Loaded only when a gate reads CloudWatch: judging k6 output alone needs no AWS SDK.
    const { readCloudWatch } = await import('./cloudwatch-reader.ts');
    cloudwatch.set(gateName(gate), await readCloudWatch(options.cloudwatch(gate.region), gate, { start, end: end + 1 }));
  }
  const results = [
    ...rejectedInput(options.gates, stats),
    ...evaluateGates(options.gates, { store, faults: options.faults, health: options.health, cloudwatch }),
  ];
  const fo = options.gates.find((g) => g.kind === 'failover');
  const failover =
    fo && options.faults?.length
      ? failoverTimeline(
          requestsByVantage(store, {
            metric: fo.metric,
            where: fo.where,
            vantageTag: fo.vantageTag,
            profileTag: fo.profileTag,
            servedByTag: fo.servedByTag,
          }),
          options.faults,
          options.health ?? [],
          failoverOptions(fo),
        )
      : [];
  return { verdict: decide(results), results, stats, store, span, failover };
}
