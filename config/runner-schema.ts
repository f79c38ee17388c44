import { arn, awsRegion } from './allowlist.ts';
import { duration, durationMs } from './duration.ts';
import { z } from './zod.ts';

// Where a vantage's traffic runs. `local`: k6 on the machine crosswind runs on (the default). `ecs`: a Fargate task of
// crosswind's runner image in the vantage's own AWS region, so the traffic leaves from where its users are and Route
// 53 routes it as it routes them. `k6-operator`: a k6-operator TestRun in a Kubernetes cluster, each runner pod the
// same runner program. Remote runners stream k6's NDJSON to S3 in chunks (`distributed.runners.results`); crosswind
// follows them live, stops them on every way out (through the fault ledger) and merges them before judging.

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected a Kubernetes name: lowercase letters, digits and "-"' })
  .max(63);

/** The default runner: k6 on this machine. */
export const localRunnerSchema = z.strictObject({ kind: z.literal('local') });

/**
 * One ECS task on Fargate per execution segment, started with RunTask in `region`.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
export const ecsRunnerSchema = z.strictObject({
  kind: z.literal('ecs'),
  /** The AWS region the task runs in: where this vantage's users are. Must be in `aws.allowedRegions`. */
  region: awsRegion,
  /** The ECS cluster (name or ARN) the task runs in. */
  cluster: z.string().min(1).max(255),
  /** The task definition (`family`, `family:revision` or ARN) whose container runs crosswind's runner image. */
  taskDefinition: z.string().min(1).max(255).default('crosswind-runner'),
  /** The container in that task definition that runs the runner (its command is overridden). */
  container: z.string().min(1).max(255).default('runner'),
  /** Subnets of the task's network interface (awsvpc): they decide where its traffic leaves from. */
  subnets: z
    .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { message: 'expected a subnet id like "subnet-0123abcd"' }))
    .min(1, { message: 'expected at least one subnet' })
    .max(16),
  /** Security groups of the task's network interface; default the VPC's default group. */
  securityGroups: z
    .array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, { message: 'expected a security group id like "sg-0123abcd"' }))
    .max(5)
    .default([]),
  /** IAM role the runner's container acts as (it writes to the results bucket); overrides the task definition's. */
  taskRoleArn: arn.optional(),
  /** Give the task a public IP (public subnets without a NAT gateway need one to reach S3 and the application). */
  assignPublicIp: z.boolean().default(false),
  /** Tasks sharing this vantage's load, one k6 execution segment each. */
  count: z.number().int().min(1).max(50).default(1),
  /** Fargate platform version; default AWS's `LATEST`. */
  platformVersion: z.string().min(1).optional(),
});

/**
 * A k6-operator TestRun in a Kubernetes cluster: crosswind applies the ConfigMap and TestRun it writes with
 * `crosswind k6-operator`, through the Kubernetes API; every runner pod runs crosswind's runner program.
 */
export const k6OperatorRunnerSchema = z.strictObject({
  kind: z.literal('k6-operator'),
  /** The kubeconfig context of the cluster; default the current context. */
  context: z.string().min(1).optional(),
  /** Namespace of the TestRun and its ConfigMap. */
  namespace: k8sName.default('default'),
  /** Runner pods sharing this vantage's load (k6 execution segments). */
  parallelism: z.number().int().min(1).max(50).default(1),
});

/** Where a vantage's traffic runs: `local` (default), `ecs` or `k6-operator`. */
export const runnerSchema = z
  .union([
    z.literal('local').transform(() => ({ kind: 'local' as const })),
    z.discriminatedUnion('kind', [localRunnerSchema, ecsRunnerSchema, k6OperatorRunnerSchema]),
  ])
  .default({ kind: 'local' });

const bucketName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name (3-63 lowercase letters, digits, "." and "-")' });

/** How remote runners report back, and the bounds on what they may cost. */
export const remoteRunnersSchema = z.strictObject({
  /** Where archives go and runners write their chunks and manifests. */
  results: z
    .strictObject({
      /** The S3 bucket; required as soon as a vantage runs on `ecs` or `k6-operator`. */
      bucket: bucketName.optional(),
      /** The bucket's region; default `aws.controlRegion`. */
      region: awsRegion.optional(),
      /** Key prefix; a run writes under `<prefix>/<project>/<run id>/`. */
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9!_.*'()/-]*$/, { message: 'expected an S3 key prefix of safe characters' })
        .max(200)
        .default('crosswind'),
    })
    .prefault({}),
  /** How often a runner uploads what k6 wrote (and its heartbeat). */
  chunkInterval: durationMs.default(5000),
  /** A runner that has not started k6 this long after its task was started failed to start. */
  startTimeout: durationMs.default(180_000),
  /** A runner whose heartbeat has not moved for this long has fallen silent. */
  silenceTimeout: durationMs.default(30_000),
  /** After a stop, how long crosswind waits for each runner's last chunk and final manifest. */
  stopTimeout: durationMs.default(60_000),
  /** At most this many remote runners (ECS tasks and pods) in one run. */
  maxRunners: z.number().int().min(1).max(500).default(10),
  /** At most this long a runner may run, start-up included: its hard deadline can never be later. */
  maxDuration: durationMs.default(3_600_000),
  /** At most this many requests per second per runner. */
  maxRatePerRunner: z.number().positive().max(100_000).default(500),
  /** NTP server each runner measures its clock offset against (`host` or `host:port`): the Amazon Time Sync Service. */
  timeServer: z.string().min(1).default('169.254.169.123'),
  /** A runner whose clock offset is known less precisely than this cannot time a failover: its gates are inconclusive. */
  maxClockUncertainty: duration({ zero: true }).default(250),
});

export type RunnerConfig = z.output<typeof runnerSchema>;
export type EcsRunnerConfig = z.output<typeof ecsRunnerSchema>;
export type K6OperatorRunnerConfig = z.output<typeof k6OperatorRunnerSchema>;
export type RemoteRunnersConfig = z.output<typeof remoteRunnersSchema>;
