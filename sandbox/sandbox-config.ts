import type { SandboxState } from './state.ts';

// A config can point at a running sandbox (`sandbox: { state: .crosswind/sandbox/state.json }`) instead of spelling
// out endpoints whose ports change on every start. The sandbox hands crosswind these fields as a config layer in its
// state file (`configLayer`); config/layer.ts merges it under the config before validation, explicit values winning.

type Raw = Record<string, unknown>;

/** The config fields a sandbox state supplies: AWS endpoints and credentials, regions, vantages, the global endpoint. */
export function configFromSandboxState(state: SandboxState): Raw {
  const globalVantage = state.vantages.find((v) => v.nearestRegion === state.regions[0]?.name) ?? state.vantages[0];
  const out: Raw = {
    aws: {
      accountIds: [state.aws.accountId],
      controlRegion: state.aws.controlRegion,
      credentials: { ...state.aws.credentials },
      endpoints: { ...state.aws.endpoints },
    },
    regions: state.regions.map((r) => ({
      name: r.name,
      endpoint: r.endpoint,
      healthCheckId: r.healthCheckId,
      setIdentifier: r.setIdentifier,
    })),
    vantages: state.vantages.map((v) => ({ name: v.name, endpoint: v.endpoint, ...(v.netns ? { netns: v.netns } : {}) })),
    // The weighted record set `crosswind chaos shift-weight` (a DNS canary) acts on.
    chaos: {
      weightedRecords: { hostedZoneId: state.route53.hostedZoneId, name: state.route53.weightedRecordName, type: 'CNAME' },
      // The role the dead man's switch schedules run as; the sandbox fires them itself (schedule-executor.ts).
      switch: { roleArn: `arn:aws:iam::${state.aws.accountId}:role/crosswind-sandbox-switch` },
    },
    ...runnerLayer(state),
  };
  if (globalVantage) out.globalEndpoint = globalVantage.endpoint;
  return out;
}

/**
 * Remote runners: the results bucket and the time server tasks reach; a vantage on `runner: { kind: ecs }` takes its
 * region, cluster, subnet and role from `ecsRunners`. None from a state written before the sandbox ran ECS tasks.
 */
function runnerLayer(state: SandboxState): Raw {
  if (!state.runners) return {};
  const r = state.runners;
  return {
    distributed: { runners: { results: { bucket: r.bucket, region: r.bucketRegion }, timeServer: r.timeServer } },
    ecsRunners: Object.fromEntries(
      Object.entries(r.placements).map(([vantage, p]) => [
        vantage,
        {
          kind: 'ecs',
          region: p.region,
          cluster: r.cluster,
          taskDefinition: r.taskDefinition,
          container: r.container,
          subnets: [p.subnetId],
          securityGroups: [p.securityGroupId],
          taskRoleArn: r.taskRoleArn,
        },
      ]),
    ),
  };
}
