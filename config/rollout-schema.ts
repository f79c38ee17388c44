import { z } from 'zod';

// A sequential regional rollout: one region a wave, the lower-traffic region first by choice, each wave deployed
// by a hook, exposed (optionally in DNS weight steps), driven with synthetic traffic, judged by gates, baked, and
// then approved or rolled back, which halts the rollout so at least one region keeps the known-good version.

const seconds = z.number().positive({ message: 'expected a positive number of seconds' });

export const rolloutHooksSchema = z.strictObject({
  /**
   * Shell command that deploys one region. Runs with `REGION`, `VERSION` and `PREVIOUS_VERSION` in its environment;
   * a non-zero exit fails the wave (and rolls it back).
   * @example crosswind sandbox deploy --region "$REGION" --version "$VERSION"
   */
  deploy: z.string().min(1).optional(),
  /** Shell command that puts `PREVIOUS_VERSION` back in `REGION`; same environment as `deploy`. */
  rollback: z.string().min(1).optional(),
  /** Seconds a hook may run before it is stopped and counted as failed. */
  timeoutSeconds: seconds.default(600),
});

export const rolloutSchema = z.strictObject({
  /** Wave order: the regions as configured, or the region with the least traffic first (from `traffic`). */
  order: z.enum(['config', 'lowest-traffic-first']).default('config'),
  /** Share of traffic per region (any unit: weights, requests per second) used by `lowest-traffic-first`. */
  traffic: z.record(z.string(), z.number().min(0)).optional(),
  hooks: rolloutHooksSchema.prefault({}),
  /**
   * Path on each region's endpoint that answers the running version (JSON `{"version": ...}` or plain text); read
   * before deploying to fill `PREVIOUS_VERSION`, and after, to confirm the deploy landed. Leave out to skip.
   */
  versionPath: z.string().startsWith('/').optional(),
  /** DNS weight steps (percent of the region's weighted record) before full traffic, e.g. [10, 50, 100]; empty to skip. */
  weightSteps: z.array(z.number().int().min(1).max(100)).default([]),
  /** Seconds of synthetic traffic at each weight step. */
  weightStepSeconds: seconds.default(10),
  /** Seconds of synthetic traffic driven at the freshly deployed region before its first gate evaluation. */
  trafficSeconds: seconds.default(30),
  /** Seconds the wave bakes after the traffic phase, with the gates evaluated throughout. */
  bakeSeconds: seconds.default(60),
  /** How often the gates are evaluated while baking. */
  bakeIntervalSeconds: seconds.default(10),
  /** Requests per second driven at the deployed region (and at each comparison region). */
  rate: z.number().positive().default(20),
  /** Largest error rate accepted in the deployed region. */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** Latency bound at `latencyPercentile` for the deployed region, in ms. */
  maxLatencyMs: z.number().positive().default(1000),
  /** Percentile judged against `maxLatencyMs`, e.g. 99 for p(99). */
  latencyPercentile: z.number().gt(0).lt(100).default(99),
  /** Judge the deployed region against the regions not yet deployed (Mann-Whitney U on latency, Kayenta-style). */
  comparison: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Significance level of the two-sided test. */
      alpha: z.number().gt(0).lt(1).default(0.05),
      /** Largest accepted ratio of the deployed region's median latency to the baseline's (1.2 = 20 % slower). */
      maxMedianRatio: z.number().gt(0).default(1.2),
    })
    .prefault({}),
  /** Fewer requests than this in the deployed region (or either side of the comparison) is inconclusive, never a pass. */
  minSamples: z.number().int().min(1).default(50),
});

export type RolloutConfig = z.output<typeof rolloutSchema>;
