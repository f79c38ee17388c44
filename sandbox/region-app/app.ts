import { setReachable } from '../netns.ts';
import { startNetnsAgent } from '../netns-agent.ts';
import { startAdminServer } from './admin-server.ts';
import { type EffectiveFaults, FaultBoard } from './faults.ts';
import { MetricsCounter } from './metrics.ts';
import type { VersionBehaviour } from './public-api.ts';
import { type ListenTarget, PublicServer } from './public-server.ts';
import { type Peer, ReplicatedStore } from './store.ts';

// One region of the sandbox's application, put together: the replicated store, the fault board, the public listener
// (the regional load balancer) and the admin listener (fault knobs, version, metrics, replication).

export interface RegionAppOptions {
  region: string;
  version: string;
  /** The public listener's address: 127.0.0.1, or the region's own address in its namespace. */
  host?: string;
  publicPort: number;
  /** The admin listener's Unix domain socket. */
  adminSocket: string;
  /** The other regions' admin URLs; replication is delivered there (the data store outlives the compute). */
  peers: Peer[];
  replicationLagMs: number;
  /** One-way network latency from each client address (a vantage's), added to every answer to it. */
  latencyBySource?: Record<string, number>;
  /** The vantage each client address belongs to, for the request log. */
  vantageBySource?: Record<string, string>;
  /** JSONL file: one line per request this app answered (the region's own request log). */
  requestLog?: string;
  /**
   * Where the region's network can be cut: its address and the hub namespace that routes to it. With it, an
   * `unreachable` fault drops packets at the hub (clients see connect timeouts); without it the public listener
   * holds requests unanswered instead.
   */
  network?: { hub: string; address: string };
  /**
   * The region's namespace: the public listener at `host:publicPort` is made there (by an agent inside it) while this
   * process stays in the root namespace, so the app also answers operators on `directPort` at 127.0.0.1.
   */
  netns?: string;
  /** A second public listener on 127.0.0.1 (netns world): the regional load balancer as reached from this machine. */
  directPort?: number;
  log?: (line: string) => void;
}

/** A running region app. */
export interface RegionApp {
  stop(): Promise<void>;
  faults(): EffectiveFaults;
}

export async function startRegionApp(options: RegionAppOptions): Promise<RegionApp> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const metrics = new MetricsCounter();
  const faults = new FaultBoard();
  const store = new ReplicatedStore({
    region: options.region,
    peers: options.peers,
    replicationLagMs: options.replicationLagMs,
    onReplicated: (ms) => metrics.replicated(ms),
  });
  let behaviour: VersionBehaviour = { version: options.version };
  const api = { region: options.region, store, faults: () => faults.current, behaviour: () => behaviour };
  const agent = options.netns ? await startNetnsAgent(options.netns) : undefined;
  const listen: ListenTarget[] = agent
    ? [{ bind: () => agent.bindTcp(host, options.publicPort) }, { host: '127.0.0.1', port: options.directPort ?? 0 }]
    : [{ host, port: options.publicPort }];
  const publicServer = new PublicServer({
    listen,
    api,
    metrics,
    latencyBySource: options.latencyBySource ?? {},
    vantageBySource: options.vantageBySource ?? {},
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
    holdWhenUnreachable: options.network === undefined,
  });
  let reachable = true;
  const admin = await startAdminServer(
    {
      region: options.region,
      store,
      faults,
      metrics,
      behaviour: () => behaviour,
      setBehaviour: (b) => {
        behaviour = b;
      },
      async faultsChanged() {
        store.setPaused(faults.current.replicationPaused);
        const network = options.network;
        if (network && reachable === faults.current.unreachable) {
          reachable = !faults.current.unreachable;
          await setReachable(network.hub, network.address, reachable);
        }
        await publicServer.applyFaults(faults.current);
      },
      publicListening: () => publicServer.listening,
      log,
    },
    options.adminSocket,
  );
  await publicServer.open();
  return {
    faults: () => faults.current,
    async stop() {
      store.stop();
      await publicServer.close(true);
      await admin.stop();
      await agent?.stop();
      if (options.network && !reachable) await setReachable(options.network.hub, options.network.address, true);
    },
  };
}
