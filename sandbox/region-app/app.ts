import { startAdminServer } from './admin-server.ts';
import { type EffectiveFaults, FaultBoard } from './faults.ts';
import { MetricsCounter } from './metrics.ts';
import type { VersionBehaviour } from './public-api.ts';
import { PublicServer } from './public-server.ts';
import { type Peer, ReplicatedStore } from './store.ts';

// One region of the sandbox's application, put together: the replicated store, the fault board, the public listener
// (the regional load balancer) and the admin listener (fault knobs, version, metrics, replication).

export interface RegionAppOptions {
  region: string;
  version: string;
  host?: string;
  publicPort: number;
  adminPort: number;
  /** The other regions' admin URLs; replication is delivered there (the data store outlives the compute). */
  peers: Peer[];
  replicationLagMs: number;
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
  const publicServer = new PublicServer({ host, port: options.publicPort, api, metrics });
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
        await publicServer.applyFaults(faults.current);
      },
      publicListening: () => publicServer.listening,
      log,
    },
    host,
    options.adminPort,
  );
  await publicServer.open();
  return {
    faults: () => faults.current,
    async stop() {
      store.stop();
      await publicServer.close(true);
      await admin.stop();
    },
  };
}
