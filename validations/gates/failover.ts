import { type FailoverGate, gateName } from '../../config/gates-schema.ts';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import {
  type FailoverOptions,
  type FaultTimeline,
  failoverTimeline,
  type HealthObservation,
  requestsByVantage,
} from '../failover-timeline.ts';
import type { SeriesStore } from '../series.ts';
import { type GateResult, judge, noData } from './gate-result.ts';

export function failoverOptions(gate: FailoverGate): FailoverOptions {
  return {
    successWindowMs: gate.successWindowSeconds * 1000,
    baselineMs: gate.baselineSeconds * 1000,
    rebalanceWindowMs: gate.rebalanceWindowSeconds * 1000,
    rebalanceTolerance: gate.rebalanceTolerance,
  };
}

/**
 * A time that was never reached: a fail once the data covers the whole bound (it cannot be met any more), else
 * inconclusive (the run ended, or the fault was undone, before the bound was up).
 */
function notReached(fields: Omit<GateResult, 'status' | 'reason' | 'measured'>, observedMs: number, what: string): GateResult {
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

/** The inconclusive result when there is nothing to measure a client-seen failover time on. */
function noFailoverData(gate: FailoverGate, what: string): GateResult {
  return noData(
    {
      gate: gateName(gate),
      kind: 'failover',
      measure: 'client-seen failover time',
      op: '<=',
      bound: gate.failoverSeconds,
      unit: 's',
      minSamples: gate.minSamples,
    },
    what,
  );
}

/** Gate results of a computed timeline: detection per fault; failover, transition errors and rebalance per vantage. */
export function judgeTimeline(timelines: readonly FaultTimeline[], gate: FailoverGate): GateResult[] {
  const name = gateName(gate);
  const results: GateResult[] = [];
  for (const t of timelines) {
    const f = t.fault;
    const faultGroup = { fault: f.id, region: f.region };
    const det = {
      gate: name,
      kind: 'failover' as const,
      measure: 'detection time',
      group: faultGroup,
      groupLabel: `fault=${f.id},region=${f.region}`,
      op: '<=' as const,
      bound: gate.detectionSeconds,
      unit: 's' as const,
      samples: t.healthObservations,
      minSamples: 1,
    };
    if (t.detectionMs !== null)
      results.push(judge({ ...det, measured: t.detectionMs / 1000, window: { start: f.appliedAt, end: t.detectedAt as number } }));
    else {
      const horizon = Math.min(t.healthObservedUntil ?? f.appliedAt, f.undoneAt ?? Number.POSITIVE_INFINITY);
      results.push(notReached(det, horizon - f.appliedAt, `${f.region} never reported unhealthy`));
    }
    if (t.vantages.length === 0) {
      results.push(noFailoverData(gate, `no ${gate.metric} points with a ${gate.vantageTag} tag`));
    }
    for (const v of t.vantages) {
      const group = { ...faultGroup, vantage: v.vantage, ...(v.profile ? { profile: v.profile } : {}) };
      const groupLabel = `fault=${f.id},region=${f.region},vantage=${v.vantage}${v.profile ? `,profile=${v.profile}` : ''}`;
      const common = { gate: name, kind: 'failover' as const, group, groupLabel, minSamples: gate.minSamples };
      const fo = {
        ...common,
        measure: 'client-seen failover time',
        op: '<=' as const,
        bound: gate.failoverSeconds,
        unit: 's' as const,
        samples: v.samples,
      };
      if (v.failoverMs !== null)
        results.push(judge({ ...fo, measured: v.failoverMs / 1000, window: { start: f.appliedAt, end: v.failoverAt as number } }));
      else {
        const horizon = Math.min(v.observedUntil ?? f.appliedAt, f.undoneAt ?? Number.POSITIVE_INFINITY);
        results.push(
          notReached(fo, horizon - f.appliedAt, `no ${gate.successWindowSeconds} s window of successful requests from a healthy region`),
        );
      }
      results.push(
        judge({
          ...common,
          measure: 'transition error rate',
          op: '<=',
          bound: gate.transitionErrorRate,
          unit: 'ratio',
          measured: v.transition.rate,
          samples: v.samples,
          reason:
            v.samples < gate.minSamples
              ? undefined
              : `transition error rate [${groupLabel}]: ${v.transition.failed} of ${v.transition.requests} requests failed between the fault and failover`,
        }),
      );
      // Rebalance is judged only from a restore this run saw.
      const rb = {
        ...common,
        measure: 'rebalance time',
        op: '<=' as const,
        bound: gate.rebalanceSeconds,
        unit: 's' as const,
        samples: v.baselineRequests,
      };
      if (f.undoneAt === undefined) {
        results.push({
          ...rb,
          measured: null,
          status: 'inconclusive',
          reason: `rebalance time [${groupLabel}]: the fault was not undone during the run`,
        });
      } else if (v.rebalanceMs !== null) {
        results.push(judge({ ...rb, measured: v.rebalanceMs / 1000, window: { start: f.undoneAt, end: v.rebalancedAt as number } }));
      } else {
        results.push(notReached(rb, (v.observedUntil ?? f.undoneAt) - f.undoneAt, 'traffic shares never returned to the pre-fault shares'));
      }
    }
  }
  return results;
}

/**
 * The failover gate: points + the fault ledger's events + health observations → detection time, client-seen
 * failover time per vantage, transition error rate and rebalance time, each against its bound.
 * @see ../../../shared/DESIGN.md, "Definitions the measurements use"
 */
export function evaluateFailover(
  store: SeriesStore,
  gate: FailoverGate,
  faults: readonly FaultEvent[],
  health: readonly HealthObservation[],
): GateResult[] {
  if (faults.length === 0) {
    return [noFailoverData(gate, 'no applied faults in the ledger')];
  }
  const requests = requestsByVantage(store, {
    metric: gate.metric,
    where: gate.where,
    vantageTag: gate.vantageTag,
    profileTag: gate.profileTag,
    servedByTag: gate.servedByTag,
  });
  return judgeTimeline(failoverTimeline(requests, faults, health, failoverOptions(gate)), gate);
}
