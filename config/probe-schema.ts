import { awsRegion } from './allowlist.ts';
import { duration, durationMs } from './duration.ts';
import { z } from './zod.ts';

// The continuous probe: short k6 cycles from every vantage at every region (short, because a long single k6 run
// grows in memory), each cycle judged by gates over a sliding window of recent cycles, results published to
// CloudWatch per vantage and region.

const dimensionName = z.string().min(1).max(255);

export const probeCloudWatchSchema = z.strictObject({
  /** Publish each cycle's results with PutMetricData. */
  enabled: z.boolean().default(true),
  /** Metric namespace. */
  namespace: z
    .string()
    .min(1)
    .max(255)
    .refine((s) => !s.startsWith('AWS/'), { message: 'expected a custom namespace (AWS/ is reserved)' })
    .default('Crosswind/Probe'),
  /** Region the metrics are published in; defaults to aws.controlRegion. */
  region: awsRegion.optional(),
  /** Dimension names for the vantage and the region; set either to an empty string to leave that dimension out. */
  vantageDimension: z.string().max(255).default('Vantage'),
  regionDimension: z.string().max(255).default('Region'),
  /** Extra dimensions on every metric, e.g. `{ Project: shop, Stage: prod }`. */
  dimensions: z.record(dimensionName, z.string().min(1).max(1024)).default({}),
  /** Create one alarm per vantage and region on the published error rate (PutMetricAlarm). */
  createAlarms: z.boolean().default(false),
  /** Alarm threshold on the error rate (0-1). */
  alarmErrorRate: z.number().min(0).max(1).default(0.01),
  /** Periods over the threshold before the alarm fires. */
  alarmEvaluationPeriods: z.number().int().min(1).default(3),
});

export const probeSchema = z.strictObject({
  /** Traffic in one k6 cycle. */
  cycleDuration: durationMs.default(10_000),
  /** Cycles to run; 0 runs until stopped. `--cycles` overrides. */
  cycles: z.number().int().min(0).default(0),
  /** Pause between cycles; 0 for none. */
  pause: duration({ zero: true }).default(0),
  /** Requests per second per vantage and region. */
  rate: z.number().positive().default(5),
  /** Cycles in the gates' sliding window. */
  windowCycles: z.number().int().min(1).default(3),
  /** Largest error rate in the window. */
  maxErrorRate: z.number().min(0).max(1).default(0.01),
  /** Latency bound in ms at `latencyPercentile` over the window. */
  maxLatencyMs: z.number().positive().default(1000),
  latencyPercentile: z.number().gt(0).lt(100).default(99),
  /** Fewer requests than this in a window group is inconclusive, never a pass. */
  minSamples: z.number().int().min(1).default(20),
  cloudwatch: probeCloudWatchSchema.prefault({}),
});

export type ProbeConfig = z.output<typeof probeSchema>;
