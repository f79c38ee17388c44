import { allowedRegions, allowlistProblems, awsRegion } from './allowlist.ts';
import type { chaosSchema } from './chaos-schema.ts';
import { ConfigError } from './config-error.ts';
import type { distributedSchema } from './distributed-schema.ts';
import type { gamedaySchema } from './gameday-schema.ts';
import type { gatesSchema } from './gates-schema.ts';
import type { probeSchema } from './probe-schema.ts';
import { repeats, toProblems } from './problems.ts';
import { remoteRunnerProblems } from './remote-runner-problems.ts';
import type { rolloutSchema } from './rollout-schema.ts';
import type { sandboxSchema } from './sandbox-schema.ts';
import type { syntheticsSchema } from './synthetics-schema.ts';
import type { vantagesSchema } from './vantage-schema.ts';
import { z } from './zod.ts';

// One schema behind crosswind.config.ts, .yaml and .json. Each role adds its own section below the core;
// defaults are filled here, once, so the rest of the code reads a fully resolved config.

export const httpUrl = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  },
  { message: 'expected an http(s) URL' },
);

export const plainName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'expected a name of letters, digits, ".", "_" or "-"' });

/** How to read the region that served a response. */
export const servedBySchema = z
  .strictObject({
    /** Response header that carries the serving region (case-insensitive). */
    header: z.string().min(1).optional(),
    /** Dotted path of a JSON body field that carries the serving region, e.g. `meta.region`. */
    jsonField: z.string().min(1).optional(),
  })
  .refine((s) => (s.header === undefined) !== (s.jsonField === undefined), {
    message: 'expected exactly one of "header" or "jsonField"',
  });

export const regionSchema = z.strictObject({
  /** AWS region name, e.g. `us-east-1`. */
  name: awsRegion,
  /** The region's own endpoint, bypassing global routing (the regional load balancer). */
  endpoint: httpUrl,
  /** How to read the serving region from a response; defaults to the `x-served-by` header. */
  servedBy: servedBySchema.default({ header: 'x-served-by' }),
  /** The Route 53 health check that guards this region's records. */
  healthCheckId: z.string().min(1).optional(),
  /** `SetIdentifier` of this region's record in the routed record sets. */
  setIdentifier: z.string().min(1).optional(),
});

export const awsSchema = z.strictObject({
  /** Account ids crosswind may act on; any other account is refused before a write. */
  accountIds: z.array(z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' })).min(1),
  /**
   * Regions crosswind may act on; defaults to the configured regions and the control region. Every region field
   * (control region, probe, alarms, gates, experiments, the regions in ARNs) must be in it.
   */
  allowedRegions: z.array(awsRegion).optional(),
  /** Region for global APIs: Route 53 and its CloudWatch metrics live in us-east-1. */
  controlRegion: awsRegion.default('us-east-1'),
  /**
   * Route 53 API requests a second crosswind may make while it watches health (a game day's GetHealthCheckStatus
   * polling), all regions together. Route 53 allows an account 5 a second, shared by every tool in it: the default
   * leaves 2 for crosswind's own changes and the operators' other tooling. Each region is then read every
   * `regions / route53RequestsPerSecond` seconds, the resolution of the run's detection times.
   * @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html#limits-api-requests
   */
  route53RequestsPerSecond: z.number().positive().max(100).default(3),
  /** Shared-config profile to take credentials from. */
  profile: z.string().min(1).optional(),
  /** Static credentials, meant for local emulators; never printed. */
  credentials: z
    .strictObject({
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      sessionToken: z.string().min(1).optional(),
    })
    .optional(),
  /** Per-service endpoint overrides: how crosswind points at moto or the sandbox instead of AWS. */
  endpoints: z
    .strictObject({
      route53: httpUrl.optional(),
      fis: httpUrl.optional(),
      cloudwatch: httpUrl.optional(),
      sts: httpUrl.optional(),
      /** S3: the guardrail lease and the fault ledger when they live in S3 (`chaos.lease`, `chaos.ledger`). */
      s3: httpUrl.optional(),
      /** EventBridge Scheduler: the server-side dead man's switch of every Route 53 fault. */
      scheduler: httpUrl.optional(),
      /** ECS: the tasks of remote runners (vantages on `ecs`). */
      ecs: httpUrl.optional(),
    })
    .default({}),
});

/**
 * The optional parts of a config, each validated by the schema of its own module. A config's loader takes the
 * schema modules of the parts it has and the defaults of those it leaves out (sections.ts), so a config of regions
 * and gates builds neither the chaos nor the rollout schema, nor the runners of vantages it does not list.
 */
export interface SectionSchemas {
  /** Where users are; a config without them gets one vantage at the global endpoint. */
  vantages: typeof vantagesSchema;
  sandbox: typeof sandboxSchema;
  /** The gates runs are judged by (validations). */
  gates: typeof gatesSchema;
  chaos: typeof chaosSchema;
  synthetics: typeof syntheticsSchema;
  distributed: typeof distributedSchema;
  gameday: typeof gamedaySchema;
  rollout: typeof rolloutSchema;
  probe: typeof probeSchema;
}

/** The whole config's schema: the core, `sections`, and the checks across them. */
export function configSchemaWith(sections: SectionSchemas) {
  return z
    .strictObject({
      /** Project name, used in run folders, metric dimensions and reports. */
      project: plainName,
      aws: awsSchema,
      /** The application's regions, in rollout order unless the rollout says otherwise. */
      regions: z.array(regionSchema).min(1, { message: 'expected at least one region' }),
      /** The global name users reach (Route 53 routed). */
      globalEndpoint: httpUrl.optional(),
      /** Where users are; defaults to one vantage at the global endpoint. */
      vantages: sections.vantages,
      sandbox: sections.sandbox.prefault({}),
      gates: sections.gates.prefault({}),
      chaos: sections.chaos.prefault({}),
      synthetics: sections.synthetics.prefault({}),
      distributed: sections.distributed.prefault({}),
      gameday: sections.gameday.prefault({}),
      rollout: sections.rollout.prefault({}),
      probe: sections.probe.prefault({}),
    })
    .superRefine((c, ctx) => {
      for (const i of repeats(c.regions.map((r) => r.name)).keys()) {
        ctx.addIssue({ code: 'custom', path: ['regions', i, 'name'], message: `region "${c.regions[i]?.name}" is listed twice` });
      }
      for (const p of allowlistProblems(c)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
      if (c.vantages) {
        for (const i of repeats(c.vantages.map((v) => v.name)).keys()) {
          ctx.addIssue({ code: 'custom', path: ['vantages', i, 'name'], message: `vantage "${c.vantages[i]?.name}" is listed twice` });
        }
      } else if (!c.globalEndpoint) {
        ctx.addIssue({ code: 'custom', path: ['vantages'], message: 'expected vantages, or a globalEndpoint to use as the one vantage' });
      }
      for (const p of remoteRunnerProblems(c)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    })
    .transform((c) => ({
      ...c,
      aws: { ...c.aws, allowedRegions: allowedRegions(c) },
      chaos: { ...c.chaos, minHealthyRegions: c.chaos.minHealthyRegions ?? Math.max(1, c.regions.length - 1) },
      vantages: c.vantages ?? [{ name: 'global', endpoint: c.globalEndpoint as string, runner: { kind: 'local' as const } }],
    }));
}

type ConfigSchema = ReturnType<typeof configSchemaWith>;

/** Validates raw config data with `schema` and fills defaults; pure. Throws a ConfigError listing every problem at once. */
export function parseConfig(schema: ConfigSchema, raw: unknown, source: string): CrosswindConfig {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new ConfigError(toProblems(result.error.issues), source);
  return result.data;
}

/** What users write: optional fields may be left out. */
export type CrosswindConfigInput = z.input<ConfigSchema>;
/** What the code reads: validated, defaults filled. */
export type CrosswindConfig = z.output<ConfigSchema>;
export type RegionConfig = CrosswindConfig['regions'][number];
export type VantageConfig = CrosswindConfig['vantages'][number];
