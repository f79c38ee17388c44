import { arn, awsRegion } from './allowlist.ts';
import { durationMs } from './duration.ts';
import { z } from './zod.ts';

// The chaos section: safety limits, the dead man's switch, FIS experiment templates, stop conditions and polling.
// Every field has a default so a config without a `chaos` section can still force a health check by hand.

/** @see https://docs.aws.amazon.com/fis/latest/APIReference/API_CreateExperimentTemplateTargetInput.html */
export const fisTargetSchema = z
  .strictObject({
    /** FIS resource type, e.g. `aws:ecs:task`, `aws:ec2:subnet`, `aws:dynamodb:global-table`. */
    resourceType: z.string().min(1),
    /** Target these resources by ARN. */
    resourceArns: z.array(arn).optional(),
    /** Or (never both) target the resources carrying all these tags. */
    resourceTags: z.record(z.string(), z.string()).optional(),
    /** Resource-type specific filters (`path`, `values`). */
    filters: z.array(z.strictObject({ path: z.string().min(1), values: z.array(z.string()).min(1) })).optional(),
    /** `ALL`, `COUNT(n)` or `PERCENT(n)`. */
    selectionMode: z
      .string()
      .regex(/^(ALL|COUNT\(\d+\)|PERCENT\(\d+\))$/, { message: 'expected ALL, COUNT(n) or PERCENT(n)' })
      .default('ALL'),
    /** Resource-type specific parameters, e.g. `cluster` and `service` for ECS tasks. */
    parameters: z.record(z.string(), z.string()).optional(),
  })
  // FIS takes one or the other, never both.
  .refine((t) => (t.resourceArns?.length ?? 0) > 0 !== Object.keys(t.resourceTags ?? {}).length > 0, {
    message: 'expected resourceArns or resourceTags (one of them, not both)',
  });

/** @see https://docs.aws.amazon.com/fis/latest/APIReference/API_CreateExperimentTemplateActionInput.html */
export const fisActionSchema = z.strictObject({
  /** FIS action id, e.g. `aws:ecs:stop-task`, `aws:network:disrupt-connectivity`, `aws:fis:wait`. */
  actionId: z.string().regex(/^aws:[a-z0-9-]+:[a-z0-9-]+$/, { message: 'expected an FIS action id like "aws:ecs:stop-task"' }),
  description: z.string().optional(),
  /** How long the action lasts (`5m`, like every crosswind duration); sent to FIS as the ISO 8601 `duration` parameter (`PT5M`). */
  duration: durationMs.optional(),
  /** Other action parameters, passed through as strings. */
  parameters: z.record(z.string(), z.string()).default({}),
  /** Action target key (e.g. `Tasks`) → name of a target in this template. */
  targets: z.record(z.string(), z.string()).default({}),
  /** Names of actions that must finish first. */
  startAfter: z.array(z.string()).optional(),
});

/** An FIS experiment template crosswind creates, starts, watches and stops. */
export const fisTemplateSchema = z.strictObject({
  /** The region the experiment runs in and hurts; must be an allowed region. */
  region: awsRegion,
  description: z.string().default('crosswind experiment'),
  /** IAM role FIS assumes to act on the targets. */
  roleArn: arn,
  /** Named targets the actions refer to. */
  targets: z.record(z.string(), fisTargetSchema).default({}),
  /** Named actions; at least one. */
  actions: z.record(z.string(), fisActionSchema).refine((a) => Object.keys(a).length > 0, { message: 'expected at least one action' }),
  /** CloudWatch alarm ARNs that FIS itself watches as stop conditions (in addition to crosswind's own polling). */
  stopConditionAlarms: z.array(arn).default([]),
  /** Extra tags on the template and its experiments. */
  tags: z.record(z.string(), z.string()).default({}),
});

/** A CloudWatch alarm crosswind polls while faults are active: a name in the control region, or name + region. */
export const alarmRefSchema = z.union([
  z.string().min(1),
  z.strictObject({
    /** Alarm name. */
    name: z.string().min(1),
    /** Region the alarm lives in; defaults to aws.controlRegion. */
    region: awsRegion.optional(),
  }),
]);

export const chaosSchema = z.strictObject({
  /**
   * A fault is refused when it would leave fewer healthy regions than this. Never less than 1. Default: every region
   * but one, so a drill or a canary takes out at most the region under test.
   */
  minHealthyRegions: z.number().int().min(1).optional(),
  /** Dead man's switch: a fault still applied this long after it was applied is undone by the next crosswind command. */
  faultDeadline: durationMs.default(15 * 60_000),
  /**
   * Where the guardrail lease lives, under which every operator's crosswind decides and writes a fault's intent one
   * at a time: `local` (a lock file in `.crosswind/`, for operators sharing this project folder) or
   * `s3://<bucket>/<key>` (a conditional write to an S3 object in the control region, seen by every machine; it also
   * holds the open faults of every run, so a fault decided on one machine counts on all). Default: beside
   * `chaos.ledger` when the ledger is in S3, else `local`.
   */
  lease: z
    .string()
    .regex(/^(local|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+)$/, { message: 'expected "local" or s3://<bucket>/<key>' })
    .optional(),
  /**
   * Where the fault ledger is kept besides the run folder: `s3://<bucket>/<prefix>` writes every entry to S3 too
   * (durable there before the change it announces), so a restore on another machine sees a run whose machine is gone.
   */
  ledger: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/, { message: 'expected s3://<bucket>/<prefix>' })
    .optional(),
  /** How long a fault waits for another operator's lease before it is refused. */
  leaseWait: durationMs.default(60_000),
  /**
   * The dead man's switch that lives in AWS: every Route 53 fault is paired, before it is made, with an EventBridge
   * Scheduler one-time schedule that puts the prior state back at the fault's deadline, even if crosswind never runs
   * again.
   */
  switch: z
    .strictObject({
      /** The role the schedules run as, allowed route53:UpdateHealthCheck and ChangeResourceRecordSets (the IAM stack's SwitchRole). */
      roleArn: arn.optional(),
      /** The schedule group the schedules go in. */
      group: z
        .string()
        .regex(/^[0-9a-zA-Z-_.]{1,64}$/, { message: 'expected a schedule group name' })
        .default('default'),
    })
    .prefault({}),
  /** How a health check is forced unhealthy. */
  healthCheck: z
    .strictObject({
      /**
       * Also set `Disabled`. Inverted alone turns an already failing endpoint healthy; Disabled + Inverted reads
       * unhealthy whatever the endpoint does, which is what forcing a region out means.
       */
      disable: z.boolean().default(true),
      /** Lower the failure threshold while the fault is active, for a faster detection; unset keeps it. */
      failureThreshold: z.number().int().min(1).max(10).optional(),
    })
    .prefault({}),
  /** The weighted record set a weight shift (DNS canary) acts on; each region's record is found by its setIdentifier. */
  weightedRecords: z
    .strictObject({
      /** Hosted zone id (with or without the `/hostedzone/` prefix). */
      hostedZoneId: z.string().min(1),
      /** Record name, e.g. `api.shop.example.com`. */
      name: z.string().min(1),
      /** Record type. */
      type: z.enum(['A', 'AAAA', 'CNAME']).default('A'),
    })
    .optional(),
  /** FIS experiment templates by name (`crosswind chaos start-experiment --template <name>`). */
  experiments: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), fisTemplateSchema).default({}),
  /** What stops a run while faults are active. */
  stopConditions: z
    .strictObject({
      /** CloudWatch alarms polled with DescribeAlarms; any in ALARM stops every experiment and undoes every fault. */
      alarms: z.array(alarmRefSchema).default([]),
      /** Highest error rate (0-1) tolerated in the regions not under fault (the blast radius). */
      maxErrorRate: z.number().min(0).max(1).default(0.05),
      /** How often alarms and the error rate are read. */
      pollInterval: durationMs.default(5_000),
    })
    .prefault({}),
  /** Polling of FIS experiments and of undo operations. */
  poll: z
    .strictObject({
      /** Interval between GetExperiment calls. */
      experimentInterval: durationMs.default(2_000),
      /** How long an experiment may take to reach running (or finish) after StartExperiment. */
      experimentDeadline: durationMs.default(5 * 60_000),
      /** How long stopping an experiment may take. */
      stopDeadline: durationMs.default(2 * 60_000),
    })
    .prefault({}),
});

export type ChaosConfig = z.output<typeof chaosSchema>;
export type FisTemplateConfig = z.output<typeof fisTemplateSchema>;
