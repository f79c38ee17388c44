import { durationMs, readDuration } from './duration.ts';
import { z } from './zod.ts';

// The `synthetics` section: how much traffic each k6 scenario sends, for how long, from where, and the k6
// thresholds it carries. Every field has a default, so a config without this section runs sensible short checks.

const perSecond = z.number().positive().max(100_000);
const path = z.string().regex(/^\//, { message: 'expected a path starting with "/"' });
const names = z.array(z.string().min(1)).min(1);

/** k6 thresholds: a metric, optionally with a `{tag:value}` selector, to its expressions (`p(99)<500`, `rate<0.01`). */
const thresholds = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));

/** k6's DNS cache length: `record` (the TTL the global name is answered with), `0`, `inf`, or a duration like `30s`. */
const dnsTtl = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (v === 'record' || v === 'inf') return v;
  const read = readDuration(v, { zero: true });
  if ('problem' in read) {
    ctx.addIssue({ code: 'custom', message: `expected "record", "inf", 0, or ${read.problem.replace(/^expected /, '')}` });
    return z.NEVER;
  }
  return read.ms === 0 ? '0' : `${read.ms}ms`;
});

/** k6's resolver settings, all defaulted. */
const dnsSchema = z.strictObject({
  /** `record` (default): the TTL the global name is answered with, read before k6 starts; `0`: every new connection resolves; `inf`; or a duration. */
  ttl: dnsTtl.default('record'),
  /** Which address of several k6 uses. Default `random` (k6's). */
  select: z.enum(['first', 'random', 'roundRobin']).default('random'),
  /** Which IP version. Default `preferIPv4` (k6's). */
  policy: z.enum(['preferIPv4', 'preferIPv6', 'onlyIPv4', 'onlyIPv6', 'any']).default('preferIPv4'),
});

/**
 * A client profile: how a kind of client resolves and keeps connections. A game day runs the same traffic as several
 * profiles side by side and reports failover per vantage and profile: users whose clients cache the answer or keep
 * a connection to the failed region see the failover later, or not at all.
 */
export const clientProfileSchema = z.strictObject({
  /** Tags every sample (`profile`) and names the client in its User-Agent. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { message: 'expected letters, digits, "_" or "-"' }),
  /** k6's resolver for this profile; fields left out come from `synthetics.dns`. */
  dns: z
    .strictObject({
      ttl: dnsTtl.optional(),
      select: dnsSchema.shape.select.unwrap().optional(),
      policy: dnsSchema.shape.policy.unwrap().optional(),
    })
    .optional(),
  /** A new connection (and resolution) for every request; default `synthetics.http.noConnectionReuse`. */
  noConnectionReuse: z.boolean().optional(),
  /**
   * Whether this profile's failover results decide the game day's verdict. Default: gated when the client follows
   * the DNS answer as the application can expect (`dns.ttl` `record` or 0, and a new connection per request); a
   * client that caches longer or keeps connections alive is informational: measured, reported and named in the
   * verdict as a warning, deciding nothing, since how long it stays on the failed region is the client's doing.
   */
  gated: z.boolean().optional(),
});

export type ClientProfile = z.output<typeof clientProfileSchema>;

export const syntheticsSchema = z.strictObject({
  /**
   * k6's resolver, written into the k6 options of every run. k6 caches a resolved name for 5 minutes by default (k6
   * issues 726, 1850): a failover would hide behind k6's own cache. The default follows the record's TTL, as a
   * well-behaved client does.
   * @see https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#dns
   */
  dns: dnsSchema.prefault({}),
  http: z
    .strictObject({
      /**
       * A new connection (and so a new name resolution) for every request through a vantage (global-traffic,
       * session-continuity). k6 resolves names only when it dials, so kept-alive connections would hide a DNS
       * failover. Scenarios that address regions directly keep connections alive. Default true.
       */
      noConnectionReuse: z.boolean().default(true),
      /** Per-request timeout. Default 5 s. */
      timeout: durationMs.default(5000),
    })
    .prefault({}),
  /** Statistics of Trend metrics in k6's end-of-test summary; k6's default lacks p(99). */
  summaryTrendStats: z.array(z.string().min(1)).min(1).default(['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count']),
  /** Repeat every threshold on a plain metric once per vantage (or region), so each group shows in k6's summary. Default true. */
  thresholdsPerGroup: z.boolean().default(true),
  globalTraffic: z
    .strictObject({
      /** Default 30 s. */
      duration: durationMs.default(30_000),
      /** Requests started per second, per vantage. Default 10. */
      ratePerSecond: perSecond.default(10),
      /** Path requested on each vantage's endpoint. Default `/`. */
      path: path.default('/'),
      /** Names of the vantages to drive; default every configured vantage. */
      vantages: names.optional(),
      /** Most VUs per vantage (requests in flight at once). Default 50. */
      maxVUs: z.number().int().positive().default(50),
      /** Default: under 1% failed requests, p(99) under 2 s. */
      thresholds: thresholds.default({ http_req_failed: ['rate<0.01'], http_req_duration: ['p(99)<2000'] }),
    })
    .prefault({}),
  regionalProbe: z
    .strictObject({
      /** Default 30 s. */
      duration: durationMs.default(30_000),
      /** Probes started per second, per region. Default 2. */
      ratePerSecond: perSecond.default(2),
      /** The deep health path. Default `/health`. */
      healthPath: path.default('/health'),
      /** Further paths requested on each region per probe (functional checks). Default none. */
      paths: z.array(path).default([]),
      /** Names of the regions to probe; default every configured region. */
      regions: names.optional(),
      /** Most VUs per region. Default 20. */
      maxVUs: z.number().int().positive().default(20),
      /** Default: every health answer ok, no failed request. */
      thresholds: thresholds.default({ health_ok: ['rate>=0.99'], http_req_failed: ['rate<0.01'] }),
      /**
       * A health endpoint answering 200 with no dependency check (shallow): `fail` (default) fails the run, as a k6
       * threshold and as a `deep-health` gate of the rollout and the game day's functional checks; `warn` only flags
       * it (k6's check "health reports its dependencies" and `health_shallow`). One that always says 200 is worse than
       * none.
       */
      shallowHealth: z.enum(['fail', 'warn']).default('fail'),
    })
    .prefault({}),
  readYourWrites: z
    .strictObject({
      /** Default 30 s. */
      duration: durationMs.default(30_000),
      /** Writes started per second, per region pair. Default 2. */
      writesPerSecond: perSecond.default(2),
      /** The items collection. Default `/api/items`. */
      itemsPath: path.default('/api/items'),
      /** (writer, reader) region pairs; default every ordered pair of configured regions. */
      pairs: z
        .array(z.strictObject({ from: z.string().min(1), to: z.string().min(1) }))
        .min(1)
        .optional(),
      /** A write not visible in the reader within this is lost. Default 10 s. */
      deadline: durationMs.default(10_000),
      /** How often the reader polls. Default 50 ms. */
      pollInterval: durationMs.default(50),
      convergence: z
        .strictObject({
          /** Concurrent-write checks started per second; 0 turns them off. Default 0.5. */
          checksPerSecond: z.number().min(0).max(1000).default(0.5),
          /** Every region must agree within this. Default 10 s. */
          deadline: durationMs.default(10_000),
        })
        .prefault({}),
      /** Default: no lost write, every concurrent write converged. */
      thresholds: thresholds.default({ lost_writes: ['count<1'], convergence_ok: ['rate>=1'] }),
    })
    .prefault({}),
  sessionContinuity: z
    .strictObject({
      /** Default 30 s. */
      duration: durationMs.default(30_000),
      /** The sessions collection. Default `/api/sessions`. */
      sessionsPath: path.default('/api/sessions'),
      /** Sessions held open per vantage. Default 2. */
      sessionsPerVantage: z.number().int().positive().max(1000).default(2),
      /** Time between two checks of a session. Default 250 ms. */
      checkInterval: durationMs.default(250),
      /** Names of the vantages to use; default every configured vantage. */
      vantages: names.optional(),
      /** Default: every session check finds its session. */
      thresholds: thresholds.default({ session_kept: ['rate>=1'] }),
    })
    .prefault({}),
});

export type SyntheticsConfig = z.output<typeof syntheticsSchema>;
