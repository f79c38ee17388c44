import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../core/errors.ts';
import { latencyRow, type VantageSpec } from './geography.ts';
import { createNetwork, instanceId, type NetnsPlan, netnsPlan, netnsUnavailable, removeNetwork } from './netns.ts';
import { adminUrlOf } from './region-app/admin-client.ts';

// Where the sandbox's parts are on the network. Two worlds:
// - `netns`: a network namespace per region and per vantage behind a routing hub (see netns.ts). Region apps answer
//   at their own address on port 80, the name server at the hub's resolver address, and clients run inside their
//   vantage's namespace, resolve the global name themselves and connect straight to a region.
// - `loopback`: everything on 127.0.0.1 ports; a vantage is an HTTP proxy that resolves for its clients. The fallback
//   where namespaces cannot be made (not Linux, not root).

export type World = 'netns' | 'loopback';

/** Which world to start: a fixed one, or `auto` (namespaces where they can be made, else loopback). */
export type WorldChoice = World | 'auto';

export interface RegionPlace {
  name: string;
  /** The address the region's load balancer answers at (and its A record). */
  address: string;
  port: number;
  /** The regional load balancer as reached from this machine: a loopback URL in both worlds. */
  endpoint: string;
  /** Where clients and health checkers in the namespaces reach it (netns world): `http://<address>`. */
  networkEndpoint?: string;
  /** The loopback port of `endpoint` when the public listener itself lives in the region's namespace. */
  directPort?: number;
  adminSocket: string;
  adminUrl: string;
  netns?: string;
  /** Where its network is cut (netns world). */
  network?: { hub: string; address: string };
}

export interface VantagePlace {
  name: string;
  latencyMs: Record<string, number>;
  nearestRegion: string;
  /** The resolver address its DNS queries come from. */
  resolverIp: string;
  /** Where clients here send requests: the global name (netns), or this vantage's proxy (loopback). */
  endpoint: string;
  /** Loopback world: the proxy's port. */
  port?: number;
  netns?: string;
  address?: string;
  subnetId?: string;
}

export interface Layout {
  world: World;
  id: string;
  /** Unix sockets of the region apps' admin listeners. */
  runtimeDir: string;
  regions: RegionPlace[];
  vantages: VantagePlace[];
  /** The namespaces and links (netns world). */
  plan?: NetnsPlan;
  /** Removes what `prepareLayout` made; safe to call twice. */
  teardown(): Promise<void>;
}

export interface LayoutRequest {
  choice: WorldChoice;
  /** Names are derived from it, so a killed sandbox's next start removes what it left. */
  stateFile: string | undefined;
  regions: string[];
  vantages: VantageSpec[];
  recordName: string;
  port: () => Promise<number>;
  log: (line: string) => void;
}

/** Decides the world: `auto` takes namespaces when they can be made and says in one line when they cannot. */
export async function chooseWorld(choice: WorldChoice, log: (line: string) => void): Promise<World> {
  if (choice === 'loopback') return 'loopback';
  const reason = await netnsUnavailable();
  if (reason === undefined) return 'netns';
  if (choice === 'netns') throw new InfrastructureError(`network namespaces cannot be made here: ${reason}`);
  log(`network namespaces unavailable (${reason}): loopback world, vantages are HTTP proxies (see sandbox/README.md)`);
  return 'loopback';
}

/** Lays out the world: the network (netns world, after removing what an earlier instance left) and every address. */
export async function prepareLayout(r: LayoutRequest): Promise<Layout> {
  const world = await chooseWorld(r.choice, r.log);
  const id = instanceId(r.stateFile);
  const runtimeDir = join(tmpdir(), `cw-${id}`);
  await rm(runtimeDir, { recursive: true, force: true });
  await mkdir(runtimeDir, { recursive: true });
  const admin = (name: string) => join(runtimeDir, `${name}.sock`);
  let plan: NetnsPlan | undefined;
  if (world === 'netns') {
    const left = await removeNetwork(id);
    if (left.length > 0) r.log(`removed ${left.length} namespaces an earlier sandbox left: ${left.join(', ')}`);
    plan = netnsPlan(
      id,
      r.regions,
      r.vantages.map((v) => v.name),
    );
    await createNetwork(plan).catch(async (err: unknown) => {
      await removeNetwork(id);
      throw err;
    });
  }
  const place = (kind: 'region' | 'vantage', key: string) => plan?.places.find((p) => p.kind === kind && p.key === key);
  const regions: RegionPlace[] = [];
  for (const name of r.regions) {
    const p = place('region', name);
    const port = p ? 80 : await r.port();
    const directPort = p ? await r.port() : undefined;
    const address = p?.address ?? '127.0.0.1';
    regions.push({
      name,
      address,
      port,
      endpoint: `http://127.0.0.1:${directPort ?? port}`,
      ...(p ? { networkEndpoint: `http://${address}`, directPort } : {}),
      adminSocket: admin(name),
      adminUrl: adminUrlOf(admin(name)),
      ...(p && plan ? { netns: p.netns, network: { hub: plan.hub, address } } : {}),
    });
  }
  const vantages: VantagePlace[] = [];
  for (const [i, v] of r.vantages.entries()) {
    const row = latencyRow(v, r.regions);
    const p = place('vantage', v.name);
    const port = p ? undefined : await r.port();
    vantages.push({
      name: v.name,
      latencyMs: row.latencyMs,
      nearestRegion: row.nearestRegion,
      resolverIp: p?.address ?? `127.0.100.${i + 1}`,
      endpoint: p ? `http://${r.recordName}` : `http://127.0.0.1:${port}`,
      ...(port !== undefined ? { port } : {}),
      ...(p ? { netns: p.netns, address: p.address, subnetId: p.subnetId } : {}),
    });
  }
  let down = false;
  return {
    world,
    id,
    runtimeDir,
    regions,
    vantages,
    ...(plan ? { plan } : {}),
    async teardown() {
      if (down) return;
      down = true;
      if (world === 'netns') await removeNetwork(id);
      await rm(runtimeDir, { recursive: true, force: true });
    },
  };
}
