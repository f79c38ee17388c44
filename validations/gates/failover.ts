import { gateName } from '../../config/gates.ts';
import type { FailoverGate } from '../../config/gates-schema.ts';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import {
  type FailoverOptions,
  type FaultTimeline,
  failoverTimeline,
  type HealthObservation,
  requestsByVantage,
  type VantageFailover,
} from '../failover-timeline.ts';
import type { SeriesStore } from '../series.ts';
import { evidenceRule, type GateResult, judge, judgeRate, noData, notReached, type TimingFields } from './gate-result.ts';

export function failoverOptions(gate: FailoverGate): FailoverOptions {
  return {
    successWindowMs: gate.successWindowSeconds * 1000,
    baselineMs: gate.baselineSeconds * 1000,
    rebalanceWindowMs: gate.rebalanceWindowSeconds * 1000,
    rebalanceTolerance: gate.rebalanceTolerance,
  };
}

type Fields = TimingFields;

/** The inconclusive result when there is nothing to measure a client-seen failover time on. */
function noFailoverData(gate: FailoverGate, what: string, population: string): GateResult {
  return noData(
    {
      gate: gateName(gate),
      kind: 'failover',
      measure: 'client-seen failover time',
      op: '<=',
      bound: gate.failoverSeconds,
      unit: 's',
      minSamples: gate.minSamples,
      scope: { window: 't_fault → first clean window', population },
    },
    what,
  );
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Detection of one fault: from t_fault until the faulted region's health check was reported unhealthy. */
function detectionResult(t: FaultTimeline, gate: FailoverGate): GateResult {
  const f = t.fault;
  const det: Fields = {
    gate: gateName(gate),
    kind: 'failover',
    measure: 'detection time',
    group: { fault: f.id, region: f.region },
    groupLabel: `fault=${f.id},region=${f.region}`,
    op: '<=',
    bound: gate.detectionSeconds,
    unit: 's',
    samples: t.healthObservations,
    minSamples: 1,
    scope: { window: `t_fault ${iso(f.appliedAt)} → first unhealthy report, before the restore`, population: `health of ${f.region}` },
  };
  if (t.detectionMs !== null)
    return judge({ ...det, measured: t.detectionMs / 1000, window: { start: f.appliedAt, end: t.detectedAt as number } });
  const horizon = Math.min(t.healthObservedUntil ?? f.appliedAt, f.undoneAt ?? Number.POSITIVE_INFINITY);
  return notReached(det, horizon - f.appliedAt, `${f.region} never reported unhealthy`);
}

/** Client-seen failover, transition errors and rebalance of one affected vantage. */
function vantageResults(f: FaultEvent, v: VantageFailover, gate: FailoverGate): GateResult[] {
  const groupLabel = `fault=${f.id},region=${f.region},vantage=${v.vantage}${v.profile ? `,profile=${v.profile}` : ''}`;
  const who = `${v.vantage}${v.profile ? ` (${v.profile})` : ''}`;
  const population = `requests from ${who} (${v.baselineFromFaulted} served by ${f.region} in its baseline)`;
  const common = {
    gate: gateName(gate),
    kind: 'failover' as const,
    group: { fault: f.id, region: f.region, vantage: v.vantage, ...(v.profile ? { profile: v.profile } : {}) },
    groupLabel,
    minSamples: gate.minSamples,
  };
  const clean = `first ${gate.successWindowSeconds} s window all served by healthy regions`;
  const fo: Fields = {
    ...common,
    measure: 'client-seen failover time',
    op: '<=',
    bound: gate.failoverSeconds,
    unit: 's',
    samples: v.samples,
    scope: { window: `t_fault ${iso(f.appliedAt)} → ${clean}`, population },
  };
  const results: GateResult[] = [];
  if (v.failoverMs !== null)
    results.push(judge({ ...fo, measured: v.failoverMs / 1000, window: { start: f.appliedAt, end: v.failoverAt as number } }));
  else {
    const horizon = Math.min(v.observedUntil ?? f.appliedAt, f.undoneAt ?? Number.POSITIVE_INFINITY);
    results.push(
      notReached(fo, horizon - f.appliedAt, `no ${gate.successWindowSeconds} s window of successful requests from a healthy region`),
    );
  }
  const transitionEnd = v.failoverAt ?? f.undoneAt;
  results.push(
    judgeRate(
      {
        ...common,
        measure: 'transition error rate',
        op: '<=',
        bound: gate.transitionErrorRate,
        unit: 'ratio',
        scope: {
          window: `t_fault ${iso(f.appliedAt)} → ${v.failoverAt === null ? (f.undoneAt === undefined ? 'end of data' : 'restore') : 'client-seen failover'}`,
          population,
        },
        ...(transitionEnd === undefined ? {} : { window: { start: f.appliedAt, end: transitionEnd } }),
      },
      v.transition.failed,
      v.transition.requests,
      evidenceRule(gate),
    ),
  );
  results.push(rebalanceResult(f, v, gate, { ...common, population }));
  const informational = v.profile !== undefined && gate.informationalProfiles.includes(v.profile);
  return informational ? results.map((r) => ({ ...r, informational: true as const })) : results;
}

/** Rebalance is judged only from a restore this run saw. */
function rebalanceResult(
  f: FaultEvent,
  v: VantageFailover,
  gate: FailoverGate,
  common: Pick<GateResult, 'gate' | 'kind' | 'group' | 'groupLabel' | 'minSamples'> & { population: string },
): GateResult {
  const { population, ...rest } = common;
  const rb: Fields = {
    ...rest,
    measure: 'rebalance time',
    op: '<=',
    bound: gate.rebalanceSeconds,
    unit: 's',
    samples: v.baselineRequests,
    scope: { window: `restore → shares within ${gate.rebalanceTolerance} of the baseline's`, population },
  };
  if (f.undoneAt === undefined) {
    return {
      ...rb,
      measured: null,
      status: 'inconclusive',
      reason: `rebalance time [${rb.groupLabel}]: the fault was not undone during the run`,
    };
  }
  if (v.rebalanceMs !== null)
    return judge({ ...rb, measured: v.rebalanceMs / 1000, window: { start: f.undoneAt, end: v.rebalancedAt as number } });
  return notReached(rb, (v.observedUntil ?? f.undoneAt) - f.undoneAt, 'traffic shares never returned to the pre-fault shares');
}

/**
 * Gate results of a computed timeline: detection per fault; failover, transition errors and rebalance per affected
 * vantage (one its own baseline shows the faulted region served). A vantage the fault never touched has nothing to
 * fail over from and is not judged; with no affected vantage at all the drill tested nothing, which is inconclusive.
 */
export function judgeTimeline(timelines: readonly FaultTimeline[], gate: FailoverGate): GateResult[] {
  const results: GateResult[] = [];
  for (const t of timelines) {
    const f = t.fault;
    results.push(detectionResult(t, gate));
    const population = `requests tagged ${gate.vantageTag} and ${gate.servedByTag}`;
    if (t.vantages.length === 0) {
      results.push(noFailoverData(gate, `no ${gate.metric} points with a ${gate.vantageTag} tag`, population));
      continue;
    }
    const affected = t.vantages.filter((v) => v.affected);
    if (affected.length === 0) {
      const seen = t.vantages.map((v) => v.vantage).join(', ');
      results.push({
        ...noFailoverData(gate, '', population),
        group: { fault: f.id, region: f.region },
        groupLabel: `fault=${f.id},region=${f.region}`,
        reason: `client-seen failover time [fault=${f.id}]: no vantage was served by ${f.region} before the fault (${seen}): the drill tested nothing`,
      });
      continue;
    }
    for (const v of affected) results.push(...vantageResults(f, v, gate));
  }
  return results;
}

/**
 * The failover gate: points + the fault ledger's events + health observations → detection time, and per affected
 * vantage client-seen failover time, transition error rate and rebalance time, each against its bound.
 * @see ../../../shared/DESIGN.md, "Definitions the measurements use"
 */
export function evaluateFailover(
  store: SeriesStore,
  gate: FailoverGate,
  faults: readonly FaultEvent[],
  health: readonly HealthObservation[],
): GateResult[] {
  if (faults.length === 0) {
    return [noFailoverData(gate, 'no applied faults in the ledger', `${gate.metric} requests`)];
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
