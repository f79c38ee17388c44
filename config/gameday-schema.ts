import { durationMs } from './duration.ts';
import { gateSchema } from './gates-schema.ts';
import { clientProfileSchema } from './synthetics-schema.ts';
import { z } from './zod.ts';

// The game day drill as data. The default is the classic regional drill teams run: announce, baseline traffic from
// every vantage, force the target region's health check unhealthy, watch the traffic shift, run functional checks on
// the survivors, restore, and verify the traffic rebalances. Phase durations are written like every crosswind
// duration ("20s", "1m30s", or milliseconds), so the sandbox's scaled-down drills fit the same schema; targets are
// seconds, as the failover gate states them.

const seconds = z.number().positive({ message: 'expected a positive number of seconds' });

/** One fault the inject phase applies, through the fault ledger. */
export const gamedayFaultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** Force the region's Route 53 health check unhealthy (`Inverted`), as a drill does. */
    kind: z.literal('invert-health-check'),
    /** The region to take out; defaults to `gameday.targetRegion`. */
    region: z.string().min(1).optional(),
  }),
  z.strictObject({
    /** Start an AWS FIS experiment from a template. */
    kind: z.literal('fis-experiment'),
    /** The experiment template: the name of one in `chaos.experiments` (created from config), or an existing template's id. */
    template: z.string().min(1),
    /** The region the experiment hurts (for the guardrails and the failover gate); defaults to `gameday.targetRegion`. */
    region: z.string().min(1).optional(),
  }),
  z.strictObject({
    /**
     * Break one dependency of one region through an FIS experiment (`aws:ecs:task-network-blackhole-port` on the
     * database's port, `aws:network:disrupt-connectivity` at its subnet): the region's deep health must answer 503
     * within `targets.deepHealthSeconds`, Route 53 must see it unhealthy within the detection bound, the traffic must
     * drain; after the restore the deep health must recover within `targets.recoverySeconds`. The regional probe watches
     * the region's deep health for the whole drill.
     */
    kind: z.literal('dependency-down'),
    /** The dependency as the region's deep health names its check, e.g. `database`. */
    dependency: z.string().min(1),
    /** The FIS template that breaks it: the name of one in `chaos.experiments`, or an existing template's id. */
    template: z.string().min(1),
    /** The region whose dependency breaks; defaults to `gameday.targetRegion`. */
    region: z.string().min(1).optional(),
  }),
]);

/** One phase of the drill, in order. */
export const gamedayPhaseSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** Print what is about to happen, so everyone watching knows. */
    kind: z.literal('announce'),
    /** The announcement; `{region}` is replaced by the target region. */
    message: z.string().default('Game day: {region} will be taken out of service; traffic should fail over to the other regions.'),
  }),
  z.strictObject({
    /** Steady traffic from every vantage before anything breaks: the pre-fault share of traffic per region. */
    kind: z.literal('baseline'),
    duration: durationMs.default(20_000),
  }),
  z.strictObject({
    /** Apply the faults (ledger first; guardrails refuse taking the last healthy region out). */
    kind: z.literal('inject'),
    faults: z
      .array(gamedayFaultSchema)
      .min(1)
      .default([{ kind: 'invert-health-check' }]),
  }),
  z.strictObject({
    /** Watch the traffic shift to the survivors while the faults hold. */
    kind: z.literal('observe'),
    duration: durationMs.default(60_000),
  }),
  z.strictObject({
    /** Functional checks against the surviving regions directly (deep health, reads and writes), while the fault holds. */
    kind: z.literal('functional-checks'),
    duration: durationMs.default(10_000),
  }),
  z.strictObject({
    /** Undo every fault of the drill. */
    kind: z.literal('restore'),
  }),
  z.strictObject({
    /** Keep traffic running after restore until the share per region is back near the baseline. */
    kind: z.literal('verify-rebalance'),
    duration: durationMs.default(30_000),
    /** Largest accepted difference between a region's share and its baseline share (0.1 = 10 points). */
    tolerance: z.number().min(0).max(1).default(0.1),
  }),
]);

export const CLASSIC_DRILL = [
  { kind: 'announce' },
  { kind: 'baseline' },
  { kind: 'inject' },
  { kind: 'observe' },
  { kind: 'functional-checks' },
  { kind: 'restore' },
  { kind: 'verify-rebalance' },
] as const;

/** Targets the drill is judged against; defaults from common practice for regional game days. */
export const gamedayTargetsSchema = z.strictObject({
  /** From the fault until the target region's health check reads unhealthy. */
  detectionSeconds: seconds.default(30),
  /** Client-seen failover time per vantage: from the fault until a clean window served by healthy regions. */
  failoverSeconds: seconds.default(60),
  /**
   * Failed / all requests between the fault and the failover point, per affected vantage. Passes only when its 95 %
   * upper bound is within: 0.1 % needs about 3,000 requests in the transition, so a short one at a low rate is
   * inconclusive; raise `ratePerVantage` or size the bound to the traffic.
   */
  transitionErrorRate: z.number().min(0).max(1).default(0.001),
  /** Length of the all-success window that marks client-seen failover. */
  cleanWindowSeconds: seconds.default(5),
  /** Latency bound for the survivors while they carry the shifted load (capacity check), at `survivorPercentile`. */
  survivorLatencyMs: z.number().positive().default(1000),
  /** Percentile the survivors' latency is judged at, e.g. 99 for p(99) (which needs about 300 requests per survivor). */
  survivorPercentile: z.number().gt(0).lt(100).default(99),
  /**
   * Largest error rate of the functional checks per survivor. 0 can never be shown by a sample; with no failure,
   * 5 % needs 59 checks per survivor at 95 %.
   */
  functionalErrorRate: z.number().gt(0).max(1).default(0.05),
  /** A `dependency-down` fault: from the fault until the region's deep health answers 503 (not serving). */
  deepHealthSeconds: seconds.default(30),
  /** A `dependency-down` fault: from the restore until the region's deep health answers ok again. */
  recoverySeconds: seconds.default(60),
});

export const gamedaySchema = z.strictObject({
  /** The region the drill takes out; defaults to the first configured region. */
  targetRegion: z.string().min(1).optional(),
  /** Requests per second each vantage sends during the drill (per client profile). */
  ratePerVantage: z.number().positive().default(10),
  /**
   * The same traffic as several kinds of client side by side, e.g. a fresh resolver without keep-alive, the record's
   * TTL with keep-alive, and k6's own 5-minute cache with keep-alive; failover is reported per vantage and profile.
   * Default: one client, as `synthetics.dns` and `synthetics.http` say.
   */
  clientProfiles: z
    .array(clientProfileSchema)
    .default([])
    .refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, { message: 'a client profile name is listed twice' }),
  /** The drill, phase by phase; defaults to the classic regional drill. */
  phases: z
    .array(gamedayPhaseSchema)
    .min(1)
    .prefault([...CLASSIC_DRILL]),
  targets: gamedayTargetsSchema.prefault({}),
  /**
   * The steady-state hypothesis (Chaos Toolkit's, Steadybit's preflight): gates judged on the baseline phase's traffic
   * before anything is injected. If one fails or is inconclusive the drill injects nothing and exits 4 (1 with
   * `--strict`). Default: at most 1 % of all vantages' requests failed, which 300 clean requests show at 95 %.
   */
  steadyState: z
    .array(gateSchema)
    .default([
      { kind: 'error-rate', name: 'steady-state-errors', metric: 'request_failed', bound: 0.01, where: {}, groupBy: [], minSamples: 100 },
    ]),
});

export type GamedayConfig = z.output<typeof gamedaySchema>;
export type GamedayPhase = GamedayConfig['phases'][number];
export type GamedayFault = z.output<typeof gamedayFaultSchema>;
