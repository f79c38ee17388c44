import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from './config-error.ts';

// A config layer: config fields another program hands crosswind, merged under the user's config before validation.
// A running sandbox writes one into its state file (`configLayer`), so a config naming that file
// (`sandbox: { state: ... }`) gets the endpoints whose ports change on every start; anything the config says
// explicitly wins. The config folder reads the layer as plain JSON and knows nothing of the program that wrote it.

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Merges a layer under a raw config: explicit values win. AWS endpoints merge key by key; regions the config lists
 * keep their order and take the layer's fields for the same region name where they leave them out; vantages and the
 * global endpoint come from the layer only when the config has none (vantages it lists take the layer's endpoint and,
 * on `ecs`, the task placement the layer has for the same name); `chaos` and `distributed.runners` merge key by key.
 */
export function mergeConfigLayer(raw: Raw, layer: Raw): Raw {
  const out: Raw = { ...raw };
  const rawAws = isObject(raw.aws) ? raw.aws : {};
  const layerAws = isObject(layer.aws) ? layer.aws : {};
  out.aws = {
    ...layerAws,
    ...rawAws,
    endpoints: { ...(isObject(layerAws.endpoints) ? layerAws.endpoints : {}), ...(isObject(rawAws.endpoints) ? rawAws.endpoints : {}) },
  };
  const layerRegions = Array.isArray(layer.regions) ? (layer.regions as Raw[]) : [];
  if (Array.isArray(raw.regions)) {
    out.regions = raw.regions.map((r: unknown) => {
      if (!isObject(r)) return r;
      const match = layerRegions.find((s) => s.name === r.name);
      return match ? { ...match, ...r } : r;
    });
  } else if (raw.regions === undefined) {
    out.regions = layerRegions;
  }
  if (raw.vantages === undefined && layer.vantages !== undefined) out.vantages = layer.vantages;
  else if (Array.isArray(raw.vantages)) out.vantages = raw.vantages.map((v: unknown) => mergeVantage(v, layer));
  if (isObject(layer.chaos) && (raw.chaos === undefined || isObject(raw.chaos)))
    out.chaos = { ...layer.chaos, ...(raw.chaos as Raw | undefined) };
  const layerRunners = isObject(layer.distributed) && isObject(layer.distributed.runners) ? layer.distributed.runners : undefined;
  if (layerRunners && (raw.distributed === undefined || isObject(raw.distributed))) {
    const distributed = (raw.distributed ?? {}) as Raw;
    if (distributed.runners === undefined || isObject(distributed.runners)) {
      const runners = (distributed.runners ?? {}) as Raw;
      const results = {
        ...(isObject(layerRunners.results) ? layerRunners.results : {}),
        ...(isObject(runners.results) ? runners.results : {}),
      };
      out.distributed = { ...distributed, runners: { ...layerRunners, ...runners, results } };
    }
  }
  if (raw.globalEndpoint === undefined && layer.globalEndpoint !== undefined) out.globalEndpoint = layer.globalEndpoint;
  return out;
}

/**
 * A vantage the config lists, completed from the layer's vantage of the same name: its endpoint, and for a runner of
 * kind `ecs` the fields it leaves out (region, cluster, subnets...) from the layer's `ecsRunners` placement.
 */
function mergeVantage(v: unknown, layer: Raw): unknown {
  if (!isObject(v)) return v;
  const match = (Array.isArray(layer.vantages) ? (layer.vantages as Raw[]) : []).find((l) => l.name === v.name);
  const out: Raw = match ? { ...match, ...v } : { ...v };
  const placement = isObject(layer.ecsRunners) ? layer.ecsRunners[String(v.name)] : undefined;
  if (isObject(v.runner) && v.runner.kind === 'ecs' && isObject(placement)) out.runner = { ...placement, ...v.runner };
  return out;
}

/** Reads the `configLayer` object of a JSON file (a sandbox state file); a problem at `at` when it has none. */
export async function readConfigLayer(file: string, at: string): Promise<Raw> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError([{ path: at, message: `no sandbox state at ${file}: start one with 'crosswind sandbox up' (or fix the path)` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ path: at, message: `cannot read ${file}: ${(err as Error).message}` }]);
  }
  if (!isObject(parsed) || !isObject(parsed.configLayer)) {
    throw new ConfigError([{ path: at, message: `${file} holds no configLayer: restart the sandbox with this crosswind version` }]);
  }
  return parsed.configLayer;
}

/** Merges the layer of the state file a raw config names under `sandbox.state` (relative to `cwd`); no-op otherwise. */
export async function applyConfigLayer(raw: unknown, cwd: string): Promise<unknown> {
  if (!isObject(raw) || !isObject(raw.sandbox) || typeof raw.sandbox.state !== 'string' || raw.sandbox.state === '') return raw;
  return mergeConfigLayer(raw, await readConfigLayer(resolve(cwd, raw.sandbox.state), 'sandbox.state'));
}
