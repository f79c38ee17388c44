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
    chaos: { weightedRecords: { hostedZoneId: state.route53.hostedZoneId, name: state.route53.weightedRecordName, type: 'CNAME' } },
  };
  if (globalVantage) out.globalEndpoint = globalVantage.endpoint;
  return out;
}
