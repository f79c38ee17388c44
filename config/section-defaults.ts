// What each optional section of a config comes to when the config leaves it out: its schema's defaults, written
// out so that loading a config builds only the schemas of the sections it has (see sections.ts). A test keeps each
// equal to what its schema makes of an empty section: change a default there, and this follows.
import type { chaosSchema } from './chaos-schema.ts';
import type { distributedSchema } from './distributed-schema.ts';
import type { gamedaySchema } from './gameday-schema.ts';
import type { probeSchema } from './probe-schema.ts';
import type { rolloutSchema } from './rollout-schema.ts';
import type { sandboxSchema } from './sandbox-schema.ts';
import type { syntheticsSchema } from './synthetics-schema.ts';
import type { z } from './zod.ts';

interface LeftOut {
  sandbox: z.output<typeof sandboxSchema>;
  chaos: z.output<typeof chaosSchema>;
  synthetics: z.output<typeof syntheticsSchema>;
  distributed: z.output<typeof distributedSchema>;
  gameday: z.output<typeof gamedaySchema>;
  rollout: z.output<typeof rolloutSchema>;
  probe: z.output<typeof probeSchema>;
}

/** Each section's schema applied to `{}`, as data (durations in ms). Read-only: sections.ts hands out copies. */
export const SECTION_DEFAULTS: Readonly<LeftOut> = {
  sandbox: {},
  chaos: {
    faultDeadline: 900000,
    leaseWait: 60000,
    switch: { group: 'default' },
    healthCheck: { disable: true },
    experiments: {},
    stopConditions: { alarms: [], maxErrorRate: 0.05, pollInterval: 5000 },
    poll: { experimentInterval: 2000, experimentDeadline: 300000, stopDeadline: 120000 },
  },
  synthetics: {
    dns: { ttl: 'record', select: 'random', policy: 'preferIPv4' },
    http: { noConnectionReuse: true, timeout: 5000 },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'],
    thresholdsPerGroup: true,
    globalTraffic: {
      duration: 30000,
      ratePerSecond: 10,
      path: '/',
      maxVUs: 50,
      thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<2000'] },
    },
    regionalProbe: {
      duration: 30000,
      ratePerSecond: 2,
      healthPath: '/health',
      paths: [],
      maxVUs: 20,
      thresholds: { health_ok: ['rate>=0.99'], http_req_failed: ['rate<0.01'] },
      shallowHealth: 'fail',
    },
    readYourWrites: {
      duration: 30000,
      writesPerSecond: 2,
      itemsPath: '/api/items',
      deadline: 10000,
      pollInterval: 50,
      convergence: { checksPerSecond: 0.5, deadline: 10000 },
      thresholds: { lost_writes: ['count<1'], convergence_ok: ['rate>=1'] },
    },
    sessionContinuity: {
      duration: 30000,
      sessionsPath: '/api/sessions',
      sessionsPerVantage: 2,
      checkInterval: 250,
      thresholds: { session_kept: ['rate>=1'] },
    },
  },
  distributed: {
    k6Operator: {
      namespace: 'default',
      parallelism: 4,
      runnerImage: 'grafana/k6:2.2.0',
      separate: false,
      resultsClaim: 'crosswind-k6-results',
      cleanup: true,
      arguments: [],
    },
    cloud: {},
    runners: {
      results: { prefix: 'crosswind' },
      chunkInterval: 5000,
      startTimeout: 180000,
      silenceTimeout: 30000,
      stopTimeout: 60000,
      maxRunners: 10,
      maxDuration: 3600000,
      maxRatePerRunner: 500,
      timeServer: '169.254.169.123',
      maxClockUncertainty: 250,
    },
  },
  gameday: {
    ratePerVantage: 10,
    clientProfiles: [],
    phases: [
      { kind: 'announce', message: 'Game day: {region} will be taken out of service; traffic should fail over to the other regions.' },
      { kind: 'baseline', duration: 20000 },
      { kind: 'inject', faults: [{ kind: 'invert-health-check' }] },
      { kind: 'observe', duration: 60000 },
      { kind: 'functional-checks', duration: 10000 },
      { kind: 'restore' },
      { kind: 'verify-rebalance', duration: 30000, tolerance: 0.1 },
    ],
    targets: {
      detectionSeconds: 30,
      failoverSeconds: 60,
      transitionErrorRate: 0.001,
      cleanWindowSeconds: 5,
      survivorLatencyMs: 1000,
      survivorPercentile: 99,
      functionalErrorRate: 0.05,
      deepHealthSeconds: 30,
      recoverySeconds: 60,
    },
    steadyState: [
      { kind: 'error-rate', name: 'steady-state-errors', metric: 'request_failed', bound: 0.01, where: {}, groupBy: [], minSamples: 100 },
    ],
  },
  rollout: {
    order: 'config',
    hooks: { timeout: 600000 },
    weightSteps: [],
    weightStepDuration: 10000,
    trafficDuration: 30000,
    bakeDuration: 60000,
    bakeInterval: 10000,
    rate: 20,
    maxErrorRate: 0.01,
    maxLatencyMs: 1000,
    latencyPercentile: 99,
    comparison: { enabled: true, alpha: 0.05, maxMedianRatio: 1.2, minShiftMs: 0, maxSpreadRatio: 1.5 },
    minSamples: 50,
  },
  probe: {
    cycleDuration: 10000,
    cycles: 0,
    pause: 0,
    rate: 5,
    windowCycles: 3,
    maxErrorRate: 0.01,
    maxLatencyMs: 1000,
    latencyPercentile: 99,
    minSamples: 20,
    cloudwatch: {
      enabled: true,
      namespace: 'Crosswind/Probe',
      vantageDimension: 'Vantage',
      regionDimension: 'Region',
      dimensions: {},
      createAlarms: false,
      alarmErrorRate: 0.01,
      alarmEvaluationPeriods: 3,
    },
  },
};
