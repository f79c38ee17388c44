import { join } from 'node:path';
import type { FaultTimeline, VantageFailover } from '../../../validations/failover-timeline.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';
import type { ChartAssets } from '../../../validations/reporters/chart-assets.ts';
import { renderHtmlReport } from '../../../validations/reporters/html.ts';
import { renderJunit } from '../../../validations/reporters/junit.ts';
import { renderMarkdown } from '../../../validations/reporters/markdown.ts';
import type { ReportData } from '../../../validations/reporters/report-data.ts';
import { decide } from '../../../validations/verdict.ts';
import { expectSnapshot } from '../../support/snapshot.ts';

// The three rendered views of one judgement, compared whole with files under snapshots/: a change to any renderer
// shows as a line diff here, and lands with the snapshot it changes (CROSSWIND_UPDATE_SNAPSHOTS=1 rewrites them).
// The inputs are fixed data, not a judged run, so the snapshots change only when a renderer does.

const SNAPSHOTS = join(import.meta.dirname, 'snapshots');
const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);

const result = (over: Partial<GateResult>): GateResult => ({
  gate: 'latency-p99',
  kind: 'latency',
  measure: 'p(99) http_req_duration',
  group: { vantage: 'vantage-eu' },
  groupLabel: 'vantage=vantage-eu',
  status: 'pass',
  measured: 120.5,
  op: '<=',
  bound: 1000,
  unit: 'ms',
  samples: 1200,
  minSamples: 100,
  interval: { lower: 101.2, upper: 130.25, confidence: 0.95, method: 'order-statistics' },
  scope: { window: 'whole run', population: 'http_req_duration (vantage=vantage-eu)' },
  reason: 'p(99) http_req_duration [vantage=vantage-eu]: 120.5 ms [101.2 ms, 130.25 ms] at 95 %, upper bound <= 1000 ms',
  ...over,
});

/** One result of each status and unit, a failover result with a window, and text that needs escaping everywhere. */
const results: GateResult[] = [
  result({}),
  result({
    gate: 'error-rate',
    kind: 'error-rate',
    measure: 'rate http_req_failed',
    group: { vantage: 'vantage-us|<east & "1">' },
    groupLabel: 'vantage=vantage-us|<east & "1">',
    status: 'fail',
    measured: 0.0421,
    bound: 0.01,
    unit: 'ratio',
    samples: 950,
    interval: { lower: 0.0318, upper: 0.0547, confidence: 0.95, method: 'clopper-pearson' },
    scope: { window: 'whole run', population: 'http_req_failed (vantage=vantage-us|<east & "1">)' },
    reason: 'rate http_req_failed [vantage=vantage-us|<east & "1">]: 4.21 % not <= 1 % (950 samples)',
  }),
  result({
    gate: 'error-rate',
    kind: 'error-rate',
    measure: 'rate http_req_failed',
    group: { vantage: 'vantage-ap' },
    groupLabel: 'vantage=vantage-ap',
    status: 'inconclusive',
    measured: 0,
    bound: 0.001,
    unit: 'ratio',
    samples: 400,
    interval: { lower: 0, upper: 0.0074614, confidence: 0.95, method: 'clopper-pearson' },
    samplesNeeded: 2995,
    scope: { window: 'whole run', population: 'http_req_failed (vantage=vantage-ap)' },
    reason: 'rate http_req_failed [vantage=vantage-ap]: 0 % [0 %, 0.74614 %] at 95 % does not show <= 0.1 %: about 2995 samples would',
  }),
  result({
    gate: 'failover',
    kind: 'failover',
    measure: 'client-seen failover time',
    group: { fault: 'f-1', region: 'us-east-1', vantage: 'vantage-us', profile: 'fresh' },
    groupLabel: 'fault=f-1,region=us-east-1,vantage=vantage-us,profile=fresh',
    measured: 4.25,
    bound: 60,
    unit: 's',
    samples: 58,
    minSamples: 1,
    interval: undefined,
    window: { start: T0 + 30_000, end: T0 + 34_250 },
    scope: { window: 't_fault → client-seen failover', population: 'requests from vantage-us (profile fresh)' },
    reason: 'client-seen failover time [fault=f-1,region=us-east-1,vantage=vantage-us,profile=fresh]: 4.25 s <= 60 s',
  }),
  result({
    gate: 'requests',
    kind: 'cloudwatch',
    measure: 'sum HealthyHostCount',
    group: {},
    groupLabel: 'all',
    status: 'inconclusive',
    measured: null,
    op: '>=',
    bound: 2,
    unit: 'count',
    samples: 0,
    minSamples: 3,
    interval: undefined,
    scope: { window: 'whole run', population: 'AWS/ApplicationELB HealthyHostCount' },
    reason: 'sum HealthyHostCount [all]: no datapoints (0 of 3)',
  }),
];
const judgement = { verdict: decide(results), results };

const vantage = (over: Partial<VantageFailover>): VantageFailover => ({
  vantage: 'vantage-us',
  profile: 'fresh',
  affected: true,
  baselineFromFaulted: 300,
  failoverAt: T0 + 34_250,
  failoverMs: 4250,
  transition: { requests: 40, failed: 2, rate: 0.05 },
  samples: 58,
  observedUntil: T0 + 90_000,
  baselineShare: { 'us-east-1': 1 },
  baselineRequests: 300,
  rebalancedAt: T0 + 63_000,
  rebalanceMs: 3000,
  ...over,
});

const failover: FaultTimeline[] = [
  {
    fault: { id: 'f-1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: T0 + 30_000, undoneAt: T0 + 60_000 },
    detectedAt: T0 + 31_000,
    detectionMs: 1000,
    healthObservations: 4,
    healthObservedUntil: T0 + 90_000,
    vantages: [
      vantage({}),
      vantage({ vantage: 'vantage-eu', affected: false, baselineFromFaulted: 0, failoverAt: null, failoverMs: null, rebalancedAt: null }),
    ],
  },
];

describe('reporter snapshots', () => {
  it('Markdown summary', () => {
    expectSnapshot(renderMarkdown(judgement, { title: 'Game day: us-east-1 out', failover }), join(SNAPSHOTS, 'summary.md'));
  });

  it('JUnit XML', () => {
    expectSnapshot(
      renderJunit(judgement, { name: 'Game day: us-east-1 out', timestamp: new Date(T0 + 95_000).toISOString() }),
      join(SNAPSHOTS, 'junit.xml'),
    );
  });

  it('HTML report (markup and embedded data; the inlined scripts and stylesheet are stand-ins)', () => {
    // uPlot's files are a dependency's, and the report's script has its own tests (the browser test in e2e): the
    // snapshot holds what html.ts writes around them.
    const assets: ChartAssets = { script: '/* uPlot */', css: '/* uPlot css */', version: '1.6.32', charts: '/* charts */' };
    expectSnapshot(renderHtmlReport(reportData(), assets), join(SNAPSHOTS, 'report.html'));
  });
});

function reportData(): ReportData {
  const seconds = [0, 1, 2].map((i) => T0 / 1000 + 29 + i);
  return {
    title: 'crosswind gameday · shop <&>',
    run: {
      mode: 'gameday',
      project: 'shop',
      folder: '20261123-050000-gameday',
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 95_000).toISOString(),
    },
    verdict: { kind: 'rollback', reasons: [results[1]?.reason ?? ''] },
    gates: [
      {
        gate: 'latency-p99',
        group: 'vantage=vantage-eu',
        measured: 120.5,
        bound: '<= 1000',
        samples: 1200,
        unit: 'ms',
        interval: '[101.2 ms, 130.25 ms] at 95 %',
        judged: 'whole run; http_req_duration (vantage=vantage-eu)',
        verdict: 'pass',
        detail: '',
      },
      {
        gate: 'error-rate',
        group: 'vantage=vantage-us|<east & "1">',
        measured: 4.21,
        bound: '<= 1',
        samples: 950,
        unit: '%',
        interval: '[3.18 %, 5.47 %] at 95 %',
        judged: 'whole run; http_req_failed',
        verdict: 'fail',
        detail: '4.21 % not <= 1 %',
      },
      {
        gate: 'requests',
        group: '',
        measured: null,
        bound: '>= 2',
        samples: null,
        unit: '',
        interval: '',
        judged: '',
        verdict: 'inconclusive',
        detail: 'no datapoints',
      },
    ],
    regions: ['us-east-1', 'us-west-2'],
    window: { start: T0 + 29_000, end: T0 + 31_000 },
    faults: [
      { id: 'f-1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: T0 + 30_000, undoneAt: T0 + 60_000 },
      { id: 'f-2', kind: 'fis-experiment', region: 'us-west-2', appliedAt: T0 + 30_500 },
    ],
    failover: [
      {
        faultId: 'f-1',
        region: 'us-east-1',
        detectedAt: T0 + 31_000,
        vantages: [{ vantage: 'vantage-us', failoverAt: T0 + 34_250, rebalancedAt: T0 + 63_000 }],
        unaffected: ['vantage-eu'],
      },
    ],
    health: [
      { region: 'us-east-1', from: T0, to: T0 + 31_000, healthy: true },
      { region: 'us-east-1', from: T0 + 31_000, to: T0 + 62_000, healthy: false },
    ],
    vantages: [
      {
        vantage: 'vantage-eu',
        seconds,
        requests: [10, 10, 10],
        share: { 'us-east-1': [0, 0, 0], 'us-west-2': [100, 100, 100], 'no region': [0, 0, 0] },
        errorRate: [0, 0, 0],
        latency: { p50: [20, 21, 20], p95: [30, 31, 30], p99: [40, 41, 40] },
        totals: { requests: 30, failed: 0, servedBy: { 'us-west-2': 30 }, p95: 30.5 },
      },
      {
        vantage: 'vantage-us|<east & "1">',
        seconds,
        requests: [10, 8, 10],
        share: { 'us-east-1': [100, 50, 0], 'us-west-2': [0, 25, 100], 'no region': [0, 25, 0] },
        errorRate: [0, 25, null],
        latency: { p50: [5, 6, null], p95: [8, 9, null], p99: [9, 9.5, null] },
        totals: { requests: 28, failed: 2, servedBy: { 'us-east-1': 15, 'us-west-2': 11, 'no region': 2 }, p95: 8.75 },
      },
    ],
    servedMetric: 'request_duration',
  };
}
