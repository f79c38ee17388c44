import { awsRegion } from './allowlist.ts';
import { DEFAULT_CHECKS, gateName, withEvidence } from './gates.ts';
import { repeats } from './problems.ts';
import { z } from './zod.ts';

// The gates a run is judged by. Gates are data: each kind below is evaluated by a pure function in
// validations/gates/<kind>.ts. Every field has a default, so `gates: {}` (or no section) gives a useful set.

const nameField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, { message: 'expected a name of letters, digits, ".", "_", ":" or "-"' });
const metricName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a k6 metric name like "http_req_duration"' });

/** Tag filter: a point is kept when each listed tag equals the value, or one of the values of a list. */
export const tagFilterSchema = z.record(z.string(), z.union([z.string(), z.array(z.string()).min(1)]));

/** A sliding window: the gate holds only if it holds in every window, not just over the whole run (k6 issue 2379). */
export const windowSchema = z.strictObject({
  /** Window length in whole seconds. */
  seconds: z.number().int().min(1).max(86_400),
  /** Distance between window starts in whole seconds. */
  stepSeconds: z.number().int().min(1).max(86_400).default(1),
});

/** A percentile as k6 writes it, 0-100 (99 is `p(99)`, 99.9 is `p(99.9)`). */
const percentileField = z.number().min(0).max(100);

/**
 * Confidence of the one-sided bound a rate or percentile must show within its bound to pass (0.95: the 95 % upper
 * bound). Unset takes `gates.evidence.confidence`.
 */
const confidenceField = z.number().min(0.5).max(0.9999).optional();
/** How a rate's bound is computed: `clopper-pearson` (exact) or `wilson`. Unset takes `gates.evidence.rateInterval`. */
const rateIntervalField = z.enum(['clopper-pearson', 'wilson']).optional();

export const latencyGateSchema = z.strictObject({
  kind: z.literal('latency'),
  /** Name in reports; defaults to `latency-p<percentile>`. */
  name: nameField.optional(),
  /** A k6 Trend metric. */
  metric: metricName.default('http_req_duration'),
  /** Which percentile, 0-100. */
  percentile: percentileField.default(99),
  /** Upper bound in the metric's unit (ms for k6 time trends). */
  bound: z.number().positive().default(1000),
  /** Only points with these tags. */
  where: tagFilterSchema.default({}),
  /** One result per distinct value combination of these tags. */
  groupBy: z.array(z.string().min(1)).default(['vantage']),
  /** Evaluate over sliding windows instead of the whole run. */
  window: windowSchema.optional(),
  /**
   * A floor: fewer points than this in a group (or a window) is inconclusive, never a pass. Above it the percentile
   * still passes only when its order-statistics upper bound is within `bound` (p(99) needs about 300 points).
   */
  minSamples: z.number().int().min(1).default(100),
  confidence: confidenceField,
});

export const errorRateGateSchema = z.strictObject({
  kind: z.literal('error-rate'),
  /** Name in reports; defaults to `error-rate`. */
  name: nameField.optional(),
  /** A k6 Rate metric whose non-zero values are errors. */
  metric: metricName.default('http_req_failed'),
  /** Upper bound of the share of errors, 0-1 (0.01 = 1 %). */
  bound: z.number().min(0).max(1).default(0.01),
  where: tagFilterSchema.default({}),
  groupBy: z.array(z.string().min(1)).default(['vantage']),
  window: windowSchema.optional(),
  /**
   * A floor: fewer requests than this is inconclusive. Above it the rate still passes only when its upper confidence
   * bound is within `bound` (0 errors in n requests bound the rate near 3/n: 0.1 % needs about 3,000).
   */
  minSamples: z.number().int().min(1).default(100),
  confidence: confidenceField,
  rateInterval: rateIntervalField,
});

/**
 * Failover: how a fault in one region was detected, how fast clients at each vantage were served again, how many
 * of their requests failed meanwhile, and how long traffic took to rebalance after the fault was undone.
 * @see ../shared/DESIGN.md, "Definitions the measurements use"
 */
export const failoverGateSchema = z.strictObject({
  kind: z.literal('failover'),
  name: nameField.optional(),
  /** A per-request Rate (1 = failed) tagged with the vantage and the serving region. */
  metric: metricName.default('request_failed'),
  where: tagFilterSchema.default({}),
  /** Tag naming the client vantage. */
  vantageTag: z.string().min(1).default('vantage'),
  /** Tag naming the client profile (how the client resolves and keeps connections); judged apart per vantage. */
  profileTag: z.string().min(1).default('profile'),
  /** Tag naming the region that served the request. */
  servedByTag: z.string().min(1).default('served_by'),
  /**
   * Client profiles whose per-vantage results (failover, transition errors, rebalance) are informational: measured,
   * reported and named in the verdict, but deciding nothing (a game day's profiles that are not `gated`).
   */
  informationalProfiles: z.array(z.string().min(1)).default([]),
  /** N: client-seen failover ends at the start of the first window of N seconds in which every request succeeded from a healthy region. */
  successWindowSeconds: z.number().positive().default(5),
  /** Bound on detection time (fault applied → health check reported unhealthy), seconds. */
  detectionSeconds: z.number().positive().default(30),
  /** Bound on client-seen failover time per vantage, seconds. */
  failoverSeconds: z.number().positive().default(60),
  /** Bound on failed / all requests between the fault and client-seen failover, 0-1. */
  transitionErrorRate: z.number().min(0).max(1).default(0.001),
  /** Bound on rebalance time (fault undone → traffic shares back near the pre-fault shares), seconds. */
  rebalanceSeconds: z.number().positive().default(120),
  /** How far (absolute, 0-1) a region's share may be from its pre-fault share and count as rebalanced. */
  rebalanceTolerance: z.number().min(0).max(1).default(0.1),
  /** Window over which traffic shares are measured after the restore, seconds. */
  rebalanceWindowSeconds: z.number().positive().default(5),
  /** Pre-fault traffic taken as the baseline share, seconds before the fault. */
  baselineSeconds: z.number().positive().default(60),
  /** Fewer requests than this from a vantage around the fault is inconclusive. */
  minSamples: z.number().int().min(1).default(10),
  /** Evidence rule of the transition error rate (see the error-rate gate). */
  confidence: confidenceField,
  rateInterval: rateIntervalField,
});

export const replicationGateSchema = z.strictObject({
  kind: z.literal('replication'),
  name: nameField.optional(),
  /** Trend of observed replication lag (write in A, first read in B that sees it), ms. */
  metric: metricName.default('replication_lag_ms'),
  percentile: percentileField.default(99),
  /** Upper bound on the lag percentile, ms. */
  bound: z.number().positive().default(2000),
  where: tagFilterSchema.default({}),
  groupBy: z.array(z.string().min(1)).default(['from', 'to']),
  /** Counter of writes never seen in the other region within the deadline; must stay 0. */
  lostWritesMetric: metricName.default('lost_writes'),
  minSamples: z.number().int().min(1).default(10),
  confidence: confidenceField,
});

const dimensionsSchema = z.record(z.string().min(1), z.string().min(1));

/**
 * A CloudWatch metric read with GetMetricData and held to a bound (ALB 5XX counts, TargetResponseTime, DynamoDB
 * ReplicationLatency, Aurora global lag, ...).
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
export const cloudwatchGateSchema = z.strictObject({
  kind: z.literal('cloudwatch'),
  name: nameField.optional(),
  /** Region the metric lives in; defaults to the control region. Must be an allowed region. */
  region: awsRegion.optional(),
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: dimensionsSchema.default({}),
  /** CloudWatch statistic: Sum, Average, Maximum, Minimum, SampleCount or a percentile like p99. */
  stat: z
    .string()
    .regex(/^(Sum|Average|Maximum|Minimum|SampleCount|p\d{1,2}(\.\d+)?)$/, {
      message: 'expected Sum, Average, Maximum, Minimum, SampleCount or pNN',
    })
    .default('Sum'),
  /** Period of each datapoint, seconds (a multiple of 60, or 1/5/10/30 for high-resolution metrics). */
  periodSeconds: z.number().int().positive().default(60),
  /** How the datapoints of the window become one value. */
  reduce: z.enum(['max', 'min', 'sum', 'average', 'last']).default('max'),
  /** `<=` bounds from above (errors, latency); `>=` from below (healthy hosts). */
  op: z.enum(['<=', '>=']).default('<='),
  bound: z.number(),
  /** Window to read, seconds back from the evaluation time (or the run's span when judging a run). */
  lookbackSeconds: z.number().int().positive().default(600),
  /** Fewer datapoints than this is inconclusive. */
  minDatapoints: z.number().int().min(1).default(3),
});

/**
 * The region just deployed against the regions not yet deployed, on the same metric: a two-sided Mann-Whitney U
 * test, failing only when the difference is significant AND larger than the effect-size bound (Kayenta's judge).
 * @see https://github.com/spinnaker/kayenta (MannWhitneyClassifier)
 */
export const comparisonGateSchema = z.strictObject({
  kind: z.literal('comparison'),
  name: nameField.optional(),
  metric: metricName.default('http_req_duration'),
  where: tagFilterSchema.default({}),
  /** Tag naming the region a point measured. */
  regionTag: z.string().min(1).default('target_region'),
  /** The region just deployed; set by the rollout (or `crosswind gate --candidate`). */
  candidate: z.string().min(1).optional(),
  /** Baseline regions; default: every other region in the data (the candidate's own region, with `baselineWhere`). */
  baseline: z.array(z.string().min(1)).optional(),
  /** Only candidate points with these tags too (a rollout: the deployed version's phase). */
  candidateWhere: tagFilterSchema.optional(),
  /** Only baseline points with these tags too (a rollout: the same region's pre-deploy baseline). */
  baselineWhere: tagFilterSchema.optional(),
  /** A per-request Rate (1 = failed) whose two sides are compared with Fisher's exact test, e.g. `request_failed`. */
  errorMetric: metricName.optional(),
  /** Significance level: the shift's interval is two-sided at 1 - alpha; the error and spread tests are one-sided at alpha. */
  alpha: z.number().gt(0).lt(1).default(0.05),
  /**
   * Largest allowed shift of the candidate, as a ratio to the baseline's median (1.2: 20 % slower). The shift passes
   * when its interval's upper end is within, fails when its lower end is beyond.
   */
  maxMedianRatio: z.number().gt(0).default(1.2),
  /** A shift, or a widening of the interquartile range, smaller than this (in the metric's unit) is never a failure: the runner's own jitter. */
  minShift: z.number().min(0).default(0),
  /** Largest allowed ratio of the candidate's interquartile range to the baseline's, so a noisier version cannot hide behind its median. */
  maxSpreadRatio: z.number().gt(0).default(1.5),
  /** Fewer points than this on either side is inconclusive. */
  minSamples: z.number().int().min(1).default(50),
});

/**
 * Survivor capacity: while a fault holds, each surviving region's latency over the window its question is about,
 * from the fault's detection (when the load shifted) until its restore, per survivor. A survivor with too few
 * requests in that window is inconclusive, and one that served none is reported too.
 */
export const capacityGateSchema = z.strictObject({
  kind: z.literal('capacity'),
  name: nameField.optional(),
  /** A per-request Trend tagged with the serving region. */
  metric: metricName.default('request_duration'),
  where: tagFilterSchema.default({}),
  /** Tag naming the region that served the request. */
  servedByTag: z.string().min(1).default('served_by'),
  /** The regions that must carry the shifted load; default every region that served a request, but the faulted ones. */
  survivors: z.array(z.string().min(1)).optional(),
  percentile: percentileField.default(99),
  /** Upper bound on the percentile, in the metric's unit (ms). */
  bound: z.number().positive().default(1000),
  minSamples: z.number().int().min(1).default(20),
  confidence: confidenceField,
});

/**
 * Health honesty: each region's health endpoint must report its dependencies. A 200 without any dependency check
 * (the regional probe's `health_shallow`) fails the region; Route 53 would keep routing users to a region whose
 * database is gone. Set `synthetics.regionalProbe.shallowHealth: warn` to only flag it.
 */
export const deepHealthGateSchema = z.strictObject({
  kind: z.literal('deep-health'),
  name: nameField.optional(),
  /** A per-answer Rate: 1 when the health endpoint answered 200 with no dependency check. */
  metric: metricName.default('health_shallow'),
  where: tagFilterSchema.default({}),
  /** One result per region probed. */
  groupBy: z.array(z.string().min(1)).default(['target_region']),
  /** Fewer health answers than this from a region is inconclusive. */
  minSamples: z.number().int().min(1).default(1),
});

/**
 * A dependency-down drill, on the regional probe's answers from the region whose dependency was broken: its deep
 * health must stop saying it serves (`health_ok` 0: a 503) within `downSeconds` of the fault, and say it serves again
 * within `recoverySeconds` of the restore. Route 53's detection and the traffic's drain are the failover gate's.
 */
export const dependencyDownGateSchema = z.strictObject({
  kind: z.literal('dependency-down'),
  name: nameField.optional(),
  /** The region whose dependency the fault broke: its faults in the ledger are the ones judged. */
  region: z.string().min(1),
  /** The dependency broken, as the deep health names its check (for the reports). */
  dependency: z.string().min(1),
  /** A per-answer Rate: 1 when the health endpoint said the region serves. */
  metric: metricName.default('health_ok'),
  /** Tag naming the region a health answer came from. */
  regionTag: z.string().min(1).default('target_region'),
  where: tagFilterSchema.default({}),
  /** Bound on the time from the fault until the deep health first answers not serving, seconds. */
  downSeconds: z.number().positive().default(30),
  /** Bound on the time from the restore until the deep health first answers serving again, seconds. */
  recoverySeconds: z.number().positive().default(60),
});

export const gateSchema = z.discriminatedUnion('kind', [
  latencyGateSchema,
  errorRateGateSchema,
  failoverGateSchema,
  replicationGateSchema,
  cloudwatchGateSchema,
  comparisonGateSchema,
  capacityGateSchema,
  deepHealthGateSchema,
  dependencyDownGateSchema,
]);

/** How much evidence a rate or percentile gate needs to pass, for every gate that does not say otherwise. */
export const evidenceSchema = z.strictObject({
  /** Confidence of the one-sided bound that must lie within a gate's bound (0.95: the 95 % upper bound). */
  confidence: z.number().min(0.5).max(0.9999).default(0.95),
  /** How a rate's bound is computed: `clopper-pearson` (exact, never below its level) or `wilson` (a little narrower). */
  rateInterval: z.enum(['clopper-pearson', 'wilson']).default('clopper-pearson'),
});

export type Evidence = z.output<typeof evidenceSchema>;

export const gatesSchema = z
  .strictObject({
    /** The evidence rule of every gate below that sets none of its own. */
    evidence: evidenceSchema.prefault({}),
    /** The gates every judged run is held to. Default: p(99) latency <= 1000 ms and errors <= 1 %, per vantage. */
    checks: z
      .array(gateSchema)
      // Results, JUnit cases and CloudWatch reads are keyed by gate name: two gates under one name would mix.
      .superRefine((checks, ctx) => {
        const names = checks.map(gateName);
        for (const [i, earlier] of repeats(names)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'name'],
            message: `expected a name no other gate has; checks[${earlier}] is also "${names[i]}"${checks[i]?.name ? '' : ' (the default for its kind)'}`,
          });
        }
      })
      .default(() => DEFAULT_CHECKS.map((g) => structuredClone(g))),
    /** The failover gate applied when a run has faults (a fault ledger); defaults from the field. */
    failover: failoverGateSchema.omit({ kind: true }).prefault({}),
  })
  .transform((g) => ({
    ...g,
    checks: g.checks.map((c) => withEvidence(c, g.evidence)),
    failover: {
      ...g.failover,
      confidence: g.failover.confidence ?? g.evidence.confidence,
      rateInterval: g.failover.rateInterval ?? g.evidence.rateInterval,
    },
  }));

export type LatencyGate = z.output<typeof latencyGateSchema>;
export type ErrorRateGate = z.output<typeof errorRateGateSchema>;
export type FailoverGate = z.output<typeof failoverGateSchema>;
export type ReplicationGate = z.output<typeof replicationGateSchema>;
export type CloudWatchGate = z.output<typeof cloudwatchGateSchema>;
export type ComparisonGate = z.output<typeof comparisonGateSchema>;
export type CapacityGate = z.output<typeof capacityGateSchema>;
export type DeepHealthGate = z.output<typeof deepHealthGateSchema>;
export type DependencyDownGate = z.output<typeof dependencyDownGateSchema>;
/** A resolved gate definition, defaults filled. */
export type Gate = z.output<typeof gateSchema>;
/** A gate as written, optional fields left out. */
export type GateInput = z.input<typeof gateSchema>;
export type GateKind = Gate['kind'];
export type GatesConfig = z.output<typeof gatesSchema>;
