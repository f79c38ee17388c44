import { remoteRunnersSchema } from './runner-schema.ts';
import { z } from './zod.ts';

// Distributed runs, for load that outgrows one machine: k6-operator TestRuns on Kubernetes (each runner a segment of
// the load; `crosswind gate` merges the runners' outputs afterwards, which k6-operator itself cannot), and the
// Grafana Cloud k6 load-zone distribution written into the scenario options.

const k8sName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: 'expected a Kubernetes name: lowercase letters, digits and "-"' })
  .max(63);

export const k6OperatorSchema = z.strictObject({
  /** Namespace of the TestRun and its ConfigMap. */
  namespace: k8sName.default('default'),
  /** Runners the load is split across (k6 execution segments, one a pod). */
  parallelism: z.number().int().min(1).max(1000).default(4),
  /** Runner image; its k6 should be the version crosswind pins (scripts/toolchain.mjs K6_VERSION). */
  runnerImage: z.string().min(1).default('grafana/k6:2.2.0'),
  /** Put each runner on its own node (k6-operator `separate`). */
  separate: z.boolean().default(false),
  /**
   * PersistentVolumeClaim (ReadWriteMany) mounted at `/results` in every runner, where each writes its NDJSON as
   * `<pod name>.ndjson` for `crosswind gate --results` to merge.
   */
  resultsClaim: k8sName.default('crosswind-k6-results'),
  /** Let k6-operator delete the runner jobs when the test has finished (`cleanup: post`). */
  cleanup: z.boolean().default(true),
  /** Further k6 arguments for every runner, e.g. `--log-output=stdout`. */
  arguments: z.array(z.string().min(1)).default([]),
});

/**
 * One load zone's share of the virtual users.
 * @see https://grafana.com/docs/grafana-cloud/testing/k6/author-run/use-load-zones/
 */
export const loadZoneShareSchema = z.strictObject({
  /** A Grafana Cloud k6 load zone, e.g. `amazon:us:ashburn` or `amazon:ie:dublin`. */
  loadZone: z.string().regex(/^[a-z]+:[a-z]{2}:[a-z0-9-]+$/, { message: 'expected a load zone like "amazon:us:ashburn"' }),
  /** Percent of the VUs started in that zone; the shares add up to 100. */
  percent: z.number().int().min(1).max(100),
});

export const cloudSchema = z
  .strictObject({
    /** Grafana Cloud k6 project the runs belong to. */
    projectID: z.number().int().positive().optional(),
    /**
     * Load zones by a label of your choice (e.g. one per vantage); written into the scenario options as
     * `options.cloud.distribution` when set.
     */
    distribution: z.record(z.string().min(1), loadZoneShareSchema).optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.distribution) return;
    const total = Object.values(c.distribution).reduce((sum, z) => sum + z.percent, 0);
    if (total !== 100)
      ctx.addIssue({ code: 'custom', path: ['distribution'], message: `expected load-zone percents adding up to 100, found ${total}` });
  });

export const distributedSchema = z.strictObject({
  /** k6-operator `TestRun` manifests (`crosswind k6-operator`). */
  k6Operator: k6OperatorSchema.prefault({}),
  /** Grafana Cloud k6 options written into the scenario options. */
  cloud: cloudSchema.prefault({}),
  /** Remote runners (vantages on `ecs` or `k6-operator`): the results bucket, timings and cost bounds. */
  runners: remoteRunnersSchema.prefault({}),
});

export type DistributedConfig = z.output<typeof distributedSchema>;
export type CloudOptionsConfig = DistributedConfig['cloud'];
