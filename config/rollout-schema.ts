import { durationMs } from './duration.ts';
import { z } from './zod.ts';

// A sequential regional rollout: one region a wave, the lower-traffic region first by choice, each wave deployed
// by a hook, exposed (optionally in DNS weight steps), driven with synthetic traffic, judged by gates, baked, and
// then approved or rolled back, which halts the rollout so at least one region keeps the known-good version.

export const rolloutHooksSchema = z.strictObject({
  /**
   * Shell command that deploys one region. Runs with `REGION`, `VERSION` and `PREVIOUS_VERSION` in its environment;
   * a non-zero exit fails the wave (and rolls it back).
   * @example crosswind sandbox deploy --region "$REGION" --version "$VERSION"
   */
  deploy: z.string().min(1).optional(),
  /** Shell command that puts `PREVIOUS_VERSION` back in `REGION`; same environment as `deploy`. */
  rollback: z.string().min(1).optional(),
  /** How long a hook may run before it is stopped and counted as failed. */
  timeout: durationMs.default(600_000),
});

export const rolloutSchema = z.strictObject({
  /** Wave order: the regions as configured, or the region with the least traffic first (`traffic` or `trafficMetric`). */
  order: z.enum(['config', 'lowest-traffic-first']).default('config'),
  /** Share of traffic per region (any unit: weights, requests per second) used by `lowest-traffic-first`. */
  traffic: z.record(z.string(), z.number().min(0)).optional(),
  /**
   * Or measure it: each region's metric summed over the lookback, read with GetMetricData in that region (by default
   * the load balancer's `AWS/ApplicationELB` `RequestCount`). Used by `lowest-traffic-first` instead of `traffic`.
   */
  trafficMetric: z
    .strictObject({
      namespace: z.string().min(1).default('AWS/ApplicationELB'),
      metricName: z.string().min(1).default('RequestCount'),
      /** CloudWatch statistic of each datapoint; the datapoints are then summed. */
      stat: z.enum(['Sum', 'SampleCount', 'Average', 'Maximum']).default('Sum'),
      periodSeconds: z.number().int().positive().default(60),
      /** How far back to measure, e.g. `1h` (a day's peak or a week's pattern may call for longer). */
      lookback: durationMs.default(3_600_000),
      /**
       * The metric's dimensions in each region, by region name.
       * @example { "us-east-1": { "LoadBalancer": "app/shop-use1/50dc6c495c0c9188" } }
       */
      dimensions: z.record(z.string(), z.record(z.string().min(1), z.string().min(1))),
    })
    .optional(),
  hooks: rolloutHooksSchema.prefault({}),
  /**
   * Path on each region's endpoint that answers the running version (JSON `{"version": ...}` or plain text); read
   * before deploying to fill `PREVIOUS_VERSION`, and after, to confirm the deploy landed. Leave out to skip.
   */
  versionPath: z.string().startsWith('/').optional(),
  /**
   * A DNS-level canary before full traffic: at each step the region gets this percent of the weighted record set's
   * traffic (a chaos `shift-weight` through the fault ledger, e.g. [10, 50, 100]), judged for `weightStepDuration`.
   * The prior weights are put back when the wave is approved or rolled back. Needs `chaos.weightedRecords`; empty
   * to skip.
   */
  weightSteps: z.array(z.number().int().min(1).max(100)).default([]),
  /** Synthetic traffic at each weight step. */
  weightStepDuration: durationMs.default(10_000),
  /**
   * Synthetic traffic at each region before its deploy, from the same runner and paths: its steady state (the
   * error rate and latency gates must hold, or nothing is deployed) and the baseline its new version is compared
   * with. Default: `trafficDuration`.
   */
  baselineDuration: durationMs.optional(),
  /** Synthetic traffic driven at the freshly deployed region before its first gate evaluation. */
  trafficDuration: durationMs.default(30_000),
  /** How long the wave bakes after the traffic phase, with the gates evaluated throughout. */
  bakeDuration: durationMs.default(60_000),
  /** How often the gates are evaluated while baking. */
  bakeInterval: durationMs.default(10_000),
  /** Requests per second driven at the deployed region (and at each comparison region). */
  rate: z.number().positive().default(20),
  /** Largest error rate accepted in the deployed region. */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** Latency bound at `latencyPercentile` for the deployed region, in ms. */
  maxLatencyMs: z.number().positive().default(1000),
  /** Percentile judged against `maxLatencyMs`, e.g. 99 for p(99). */
  latencyPercentile: z.number().gt(0).lt(100).default(99),
  /**
   * Judge the deployed region against its own pre-deploy baseline (same runner, same paths, just before the deploy):
   * the latency shift (Hodges-Lehmann, with its interval), the spread, and the error rate (Fisher's exact test).
   */
  comparison: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Significance level: the shift's interval is at 1 - alpha, the error and spread tests one-sided at alpha. */
      alpha: z.number().gt(0).lt(1).default(0.05),
      /** Largest accepted shift of the median latency, as a ratio to the baseline's (1.2 = 20 % slower). */
      maxMedianRatio: z.number().gt(0).default(1.2),
      /** A shift, or a widening of the spread, smaller than this many ms never fails (the runner's own jitter). */
      minShiftMs: z.number().min(0).default(0),
      /** Largest accepted ratio of the deployed version's interquartile range to the baseline's. */
      maxSpreadRatio: z.number().gt(0).default(1.5),
      /**
       * Also compare the deployed region with every other region on server-side latency read from CloudWatch in each
       * region over the same phase (by default the load balancer's `TargetResponseTime`), so the runner's distance to
       * each region cancels: each datapoint is a sample, judged like the probe's comparison (shift, spread).
       */
      serverSide: z
        .strictObject({
          namespace: z.string().min(1).default('AWS/ApplicationELB'),
          metricName: z.string().min(1).default('TargetResponseTime'),
          /** CloudWatch statistic of each datapoint, e.g. Average or p50. */
          stat: z
            .string()
            .regex(/^(Average|Maximum|Minimum|p\d{1,2}(\.\d+)?)$/, { message: 'expected Average, Maximum, Minimum or pNN' })
            .default('Average'),
          /** Period of each datapoint, seconds (60, or 1/5/10/30 for high-resolution metrics). */
          periodSeconds: z.number().int().positive().default(60),
          /**
           * The metric's dimensions in each region, by region name: every region is needed.
           * @example { "us-east-1": { "LoadBalancer": "app/shop-use1/50dc6c495c0c9188" } }
           */
          dimensions: z.record(z.string(), z.record(z.string().min(1), z.string().min(1))),
          /** Fewer datapoints than this on either side is inconclusive. */
          minDatapoints: z.number().int().min(1).default(5),
        })
        .optional(),
    })
    .prefault({}),
  /** Fewer requests than this in the deployed region (or either side of the comparison) is inconclusive, never a pass. */
  minSamples: z.number().int().min(1).default(50),
});

export type RolloutConfig = z.output<typeof rolloutSchema>;
