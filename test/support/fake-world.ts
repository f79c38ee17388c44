// A small multi-region world on loopback for the synthetics tests: region apps with deep health, replicated items
// and sessions, and one edge listener per vantage that forwards to the first healthy region of its preference
// list. Deliberately simple and fully controlled by the test (routing changes are explicit calls).
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

export interface Stored {
  value: unknown;
  version: number;
  timestamp: number;
  region: string;
}

export interface FakeRegion {
  name: string;
  endpoint: string;
  items: Map<string, Stored>;
  sessions: Map<string, Stored>;
  /** Dependency statuses; a 'down' one fails /health with 503. */
  checks: Record<string, 'ok' | 'down'>;
  /** /health answers 200 {"status":"ok"} with no checks. */
  shallow: boolean;
  /** Replication to and from this region stops (nothing is queued: a paused write never arrives). */
  replicationPaused: boolean;
  /** Every request is answered 503 (still stamped): a broken region the routing has not noticed yet. */
  failing: boolean;
  requests: number;
}

export interface FakeWorld {
  regions: FakeRegion[];
  region(name: string): FakeRegion;
  vantages: { name: string; endpoint: string }[];
  /** Marks a region unhealthy at the edge: vantages route to the next region in their preference. */
  setHealthy(region: string, healthy: boolean): void;
  /** Where `vantage` is routed now. */
  routeOf(vantage: string): string;
  stop(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => resolve(text));
  });
}

function newer(a: Stored, b: Stored | undefined): boolean {
  return !b || a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.region > b.region);
}

/**
 * Starts the regions and the vantage edges. `preferences` gives each vantage's region order (nearest first).
 */
export async function startFakeWorld(options: {
  regions: string[];
  preferences: Record<string, string[]>;
  lagMs?: number;
  shallow?: string[];
}): Promise<FakeWorld> {
  const lagMs = options.lagMs ?? 100;
  const servers: Server[] = [];
  const regions: FakeRegion[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const apply = (to: FakeRegion, kind: 'items' | 'sessions', id: string, record: Stored) => {
    // A paused region is cut off both ways: it neither sends nor receives replication.
    if (to.replicationPaused) return;
    if (newer(record, to[kind].get(id))) to[kind].set(id, record);
  };
  const replicate = (from: FakeRegion, kind: 'items' | 'sessions', id: string, record: Stored) => {
    for (const to of regions) {
      if (to === from) continue;
      if (from.replicationPaused) continue;
      const timer = setTimeout(() => {
        timers.delete(timer);
        apply(to, kind, id, record);
      }, lagMs);
      timers.add(timer);
    }
  };

  for (const name of options.regions) {
    const region: FakeRegion = {
      name,
      endpoint: '',
      items: new Map(),
      sessions: new Map(),
      checks: { database: 'ok', cache: 'ok', downstream: 'ok' },
      shallow: options.shallow?.includes(name) ?? false,
      replicationPaused: false,
      failing: false,
      requests: 0,
    };
    let counter = 0;
    const send = (res: ServerResponse, status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': name }).end(JSON.stringify(payload));
    };
    const server = createServer(async (req, res) => {
      region.requests++;
      const url = new URL(req.url ?? '/', 'http://x');
      const text = await body(req);
      if (region.failing) return send(res, 503, { error: 'failing' });
      const item = /^\/api\/items\/([^/]+)$/.exec(url.pathname);
      const session = /^\/api\/sessions\/([^/]+)$/.exec(url.pathname);
      if (url.pathname === '/health') {
        if (region.shallow) return send(res, 200, { status: 'ok' });
        const checks = Object.fromEntries(
          Object.entries(region.checks).map(([k, s]) => [k, { status: s, latency_ms: s === 'ok' ? 2 : 1000 }]),
        );
        const failing = Object.values(region.checks).includes('down');
        return send(res, failing ? 503 : 200, { status: failing ? 'down' : 'ok', region: name, version: '1.0.0', checks });
      }
      if (url.pathname === '/') return send(res, 200, { region: name });
      if (item && req.method === 'PUT') {
        const { value } = JSON.parse(text || '{}') as { value?: unknown };
        const record: Stored = { value, version: ++counter, timestamp: Date.now(), region: name };
        region.items.set(item[1] as string, record);
        replicate(region, 'items', item[1] as string, record);
        return send(res, 200, record);
      }
      if (item && req.method === 'GET') {
        const found = region.items.get(item[1] as string);
        return found ? send(res, 200, found) : send(res, 404, { error: 'not found' });
      }
      if (url.pathname === '/api/sessions' && req.method === 'POST') {
        const id = `s-${name}-${++counter}-${Math.random().toString(36).slice(2)}`;
        const record: Stored = { value: { id }, version: 1, timestamp: Date.now(), region: name };
        region.sessions.set(id, record);
        replicate(region, 'sessions', id, record);
        return send(res, 201, { id });
      }
      if (session && req.method === 'GET') {
        return region.sessions.has(session[1] as string) ? send(res, 200, { id: session[1] }) : send(res, 404, { error: 'no session' });
      }
      return send(res, 404, { error: 'no route' });
    });
    servers.push(server);
    region.endpoint = await listen(server);
    regions.push(region);
  }

  const healthy = new Map(options.regions.map((r) => [r, true]));
  const routeOf = (vantage: string) => {
    const order = options.preferences[vantage] ?? options.regions;
    return order.find((r) => healthy.get(r)) ?? (order[0] as string);
  };
  const vantages: { name: string; endpoint: string }[] = [];
  for (const vantage of Object.keys(options.preferences)) {
    const server = createServer(async (req, res) => {
      const target = regions.find((r) => r.name === routeOf(vantage)) as FakeRegion;
      const text = await body(req);
      const upstream = request(
        `${target.endpoint}${req.url}`,
        { method: req.method, headers: { 'content-type': 'application/json' } },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway'));
      upstream.end(text);
    });
    servers.push(server);
    vantages.push({ name: vantage, endpoint: await listen(server) });
  }

  return {
    regions,
    vantages,
    region: (n) => regions.find((r) => r.name === n) as FakeRegion,
    setHealthy: (r, h) => healthy.set(r, h),
    routeOf,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
