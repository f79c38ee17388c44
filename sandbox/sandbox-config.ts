import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { readSandboxState, type SandboxState } from './state.ts';

// A config can point at a running sandbox (`sandbox: { state: .crosswind/sandbox/state.json }`) instead of spelling
// out endpoints whose ports change on every start. These steps fill the config from the state file before
// validation; anything the config says explicitly wins.

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

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
    vantages: state.vantages.map((v) => ({ name: v.name, endpoint: v.endpoint })),
    // The weighted record set `crosswind chaos shift-weight` (a DNS canary) acts on.
    chaos: { weightedRecords: { hostedZoneId: state.route53.hostedZoneId, name: state.route53.weightedRecordName, type: 'CNAME' } },
  };
  if (globalVantage) out.globalEndpoint = globalVantage.endpoint;
  return out;
}

/**
 * Merges the sandbox's fields under a raw config: explicit values win. Regions the config lists keep their order and
 * get the sandbox's endpoint, health check and set identifier for the same region name where they leave them out.
 */
export function mergeSandboxConfig(raw: Raw, fromState: Raw): Raw {
  const out: Raw = { ...raw };
  const rawAws = isObject(raw.aws) ? raw.aws : {};
  const stateAws = isObject(fromState.aws) ? fromState.aws : {};
  out.aws = {
    ...stateAws,
    ...rawAws,
    endpoints: { ...(isObject(stateAws.endpoints) ? stateAws.endpoints : {}), ...(isObject(rawAws.endpoints) ? rawAws.endpoints : {}) },
  };
  const stateRegions = Array.isArray(fromState.regions) ? (fromState.regions as Raw[]) : [];
  if (Array.isArray(raw.regions)) {
    out.regions = raw.regions.map((r: unknown) => {
      if (!isObject(r)) return r;
      const match = stateRegions.find((s) => s.name === r.name);
      return match ? { ...match, ...r } : r;
    });
  } else if (raw.regions === undefined) {
    out.regions = stateRegions;
  }
  if (raw.vantages === undefined && fromState.vantages !== undefined) out.vantages = fromState.vantages;
  if (isObject(fromState.chaos) && (raw.chaos === undefined || isObject(raw.chaos)))
    out.chaos = { ...fromState.chaos, ...(raw.chaos as Raw | undefined) };
  if (raw.globalEndpoint === undefined && fromState.globalEndpoint !== undefined) out.globalEndpoint = fromState.globalEndpoint;
  return out;
}

/** Reads the state file a raw config names under `sandbox.state` (relative to `cwd`) and merges it in; no-op otherwise. */
export async function applySandboxStateFile(raw: unknown, cwd: string): Promise<unknown> {
  if (!isObject(raw) || !isObject(raw.sandbox) || typeof raw.sandbox.state !== 'string' || raw.sandbox.state === '') return raw;
  const file = resolve(cwd, raw.sandbox.state);
  if (!existsSync(file)) {
    throw new ConfigError([
      { path: 'sandbox.state', message: `no sandbox state at ${file}: start one with 'crosswind sandbox up' (or fix the path)` },
    ]);
  }
  let state: SandboxState;
  try {
    state = await readSandboxState(file);
  } catch (err) {
    throw new ConfigError([{ path: 'sandbox.state', message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
  return mergeSandboxConfig(raw, configFromSandboxState(state));
}
