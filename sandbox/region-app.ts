import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// One region of the sandbox's application: a small API with a deep health check, items and sessions replicated
// asynchronously to the other regions (last writer wins), and fault knobs on a separate admin listener.

/** One set of faults; several sources (an FIS action, a manual fault) can be active at once and combine. */
export interface FaultSet {
  /** Dependencies reported down by `/health`: `database`, `cache`, `downstream`. */
  dependenciesDown?: string[];
  /** Added to every public response. */
  addedLatencyMs?: number;
  /** Share of requests (every path but `/health`) answered 500, 0..1. */
  errorRate?: number;
  /** Replication to and from this region is held until resumed. */
  replicationPaused?: boolean;
  /** Hard stop: the public port refuses connections. */
  stopped?: boolean;
  /** Network unreachable: the public port accepts connections and never answers. */
  unreachable?: boolean;
}

export interface EffectiveFaults {
  dependenciesDown: string[];
  addedLatencyMs: number;
  errorRate: number;
  replicationPaused: boolean;
  stopped: boolean;
  unreachable: boolean;
}

/** The deployed version and how it behaves (a bad version adds latency or errors). */
export interface VersionBehaviour {
  version: string;
  addedLatencyMs?: number;
  errorRate?: number;
}

export interface RegionAppOptions {
  region: string;
  version: string;
  host?: string;
  publicPort: number;
  adminPort: number;
  /** The other regions' admin URLs; replication is delivered there (the data store outlives the compute). */
  peers: { region: string; adminUrl: string }[];
  replicationLagMs: number;
  log?: (line: string) => void;
}

export type Table = 'items' | 'sessions';

/** A replicated record; `updatedAt` then `origin` order concurrent writes (last writer wins). */
export interface StoredRecord {
  id: string;
  value: unknown;
  version: number;
  updatedAt: number;
  origin: string;
}

/** True when `a` wins over `b` under last-writer-wins; the region name breaks ties so every replica converges. */
export function newerThan(a: StoredRecord, b: StoredRecord | undefined): boolean {
  if (!b) return true;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  return a.origin > b.origin;
}

/** Combines fault sets from every source: dependencies union, latency adds up, the worst error rate, any flag. */
export function combineFaults(sets: FaultSet[]): EffectiveFaults {
  const deps = new Set<string>();
  const out: EffectiveFaults = {
    dependenciesDown: [],
    addedLatencyMs: 0,
    errorRate: 0,
    replicationPaused: false,
    stopped: false,
    unreachable: false,
  };
  for (const s of sets) {
    for (const d of s.dependenciesDown ?? []) deps.add(d);
    out.addedLatencyMs += s.addedLatencyMs ?? 0;
    out.errorRate = Math.max(out.errorRate, s.errorRate ?? 0);
    out.replicationPaused ||= s.replicationPaused === true;
    out.stopped ||= s.stopped === true;
    out.unreachable ||= s.unreachable === true;
  }
  out.dependenciesDown = [...deps].sort();
  return out;
}

const DEPENDENCIES: { name: string; critical: boolean; baseMs: number }[] = [
  { name: 'database', critical: true, baseMs: 3 },
  { name: 'cache', critical: false, baseMs: 1 },
  { name: 'downstream', critical: true, baseMs: 4 },
];

/** A running summary of values (a CloudWatch statistic set). */
export interface StatSet {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** What the app counted since the last scrape, as a load balancer and a global table would report it. */
export interface AppMetrics {
  /** Public requests, `/health` excluded (load balancer metrics do not count health checks). */
  requests: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  /** Response time in ms, added latency included. */
  latencyMs: StatSet;
  /** Time from a write in another region until it was applied here, in ms. */
  replicationLatencyMs: StatSet;
  /** Writes waiting to leave this region. */
  pendingReplication: number;
}

function emptyStats(): StatSet {
  return { count: 0, sum: 0, min: 0, max: 0 };
}

/** Counters as they stand at start and after each scrape. */
function zeroMetrics(): AppMetrics {
  return {
    requests: 0,
    status2xx: 0,
    status4xx: 0,
    status5xx: 0,
    latencyMs: emptyStats(),
    replicationLatencyMs: emptyStats(),
    pendingReplication: 0,
  };
}

function addStat(s: StatSet, v: number): void {
  s.min = s.count === 0 ? v : Math.min(s.min, v);
  s.max = s.count === 0 ? v : Math.max(s.max, v);
  s.count += 1;
  s.sum += v;
}

interface Outgoing {
  peer: { region: string; adminUrl: string };
  table: Table;
  record: StoredRecord;
  dueAt: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  return JSON.parse(text);
}

/** A running region app. */
export interface RegionApp {
  stop(): Promise<void>;
  faults(): EffectiveFaults;
}

export async function startRegionApp(options: RegionAppOptions): Promise<RegionApp> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const tables: Record<Table, Map<string, StoredRecord>> = { items: new Map(), sessions: new Map() };
  const faultSources = new Map<string, FaultSet>();
  let behaviour: VersionBehaviour = { version: options.version };
  let outbox: Outgoing[] = [];
  let inbox: { table: Table; record: StoredRecord }[] = [];
  let current = combineFaults([]);
  const heldSockets = new Set<Socket>();
  const publicSockets = new Set<Socket>();
  let publicListening = false;
  let stopping = false;

  let metrics = zeroMetrics();
  const apply = (table: Table, record: StoredRecord) => {
    if (record.origin !== options.region) addStat(metrics.replicationLatencyMs, Math.max(0, Date.now() - record.updatedAt));
    const existing = tables[table].get(record.id);
    if (newerThan(record, existing)) tables[table].set(record.id, record);
  };

  const refreshFaults = async () => {
    current = combineFaults([...faultSources.values()]);
    if (!current.replicationPaused && inbox.length > 0) {
      for (const m of inbox) apply(m.table, m.record);
      inbox = [];
    }
    if (!current.unreachable) {
      for (const s of heldSockets) s.destroy();
      heldSockets.clear();
    }
    if (current.stopped && publicListening) await closePublic();
    else if (!current.stopped && !publicListening && !stopping) await openPublic();
  };

  const write = (table: Table, id: string, value: unknown): StoredRecord => {
    const existing = tables[table].get(id);
    const now = Date.now();
    // A write never goes back in time relative to the record it replaces, so the writer's own change wins locally.
    const updatedAt = existing && existing.updatedAt >= now ? existing.updatedAt + 1 : now;
    const record: StoredRecord = { id, value, version: (existing?.version ?? 0) + 1, updatedAt, origin: options.region };
    tables[table].set(id, record);
    for (const peer of options.peers) outbox.push({ peer, table, record, dueAt: now + options.replicationLagMs });
    return record;
  };

  // Replication pump: delivers due messages unless this region's replication is paused; failed deliveries retry.
  let pumping = false;
  const pump = setInterval(() => {
    if (pumping || current.replicationPaused || outbox.length === 0) return;
    pumping = true;
    const now = Date.now();
    const due = outbox.filter((m) => m.dueAt <= now);
    outbox = outbox.filter((m) => m.dueAt > now);
    Promise.all(
      due.map(async (m) => {
        try {
          const res = await fetch(`${m.peer.adminUrl}/internal/replicate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ table: m.table, record: m.record }),
            signal: AbortSignal.timeout(2000),
          });
          await res.arrayBuffer();
          if (!res.ok) throw new Error(`status ${res.status}`);
        } catch {
          outbox.push({ ...m, dueAt: Date.now() + 200 });
        }
      }),
    ).finally(() => {
      pumping = false;
    });
  }, 20);
  pump.unref();

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'x-served-by': options.region, 'x-app-version': behaviour.version });
    res.end(text);
  };

  const health = () => {
    const checks: Record<string, { status: 'ok' | 'down'; latency_ms: number }> = {};
    let critical = false;
    let degraded = false;
    for (const dep of DEPENDENCIES) {
      const down = current.dependenciesDown.includes(dep.name);
      checks[dep.name] = { status: down ? 'down' : 'ok', latency_ms: down ? 0 : dep.baseMs + Math.round(Math.random() * 2) };
      if (down && dep.critical) critical = true;
      else if (down) degraded = true;
    }
    const status = critical ? 'down' : degraded ? 'degraded' : 'ok';
    return { code: critical ? 503 : 200, body: { status, region: options.region, version: behaviour.version, checks } };
  };

  const handlePublic = async (req: IncomingMessage, res: ServerResponse) => {
    const received = Date.now();
    if (!req.url?.startsWith('/health')) {
      res.on('finish', () => {
        metrics.requests += 1;
        if (res.statusCode >= 500) metrics.status5xx += 1;
        else if (res.statusCode >= 400) metrics.status4xx += 1;
        else metrics.status2xx += 1;
        addStat(metrics.latencyMs, Date.now() - received);
      });
    }
    if (current.unreachable) {
      // A black hole: the connection stays open and nothing comes back, as when the network drops packets.
      heldSockets.add(req.socket);
      return;
    }
    const delay = current.addedLatencyMs + (behaviour.addedLatencyMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    if (path === '/health') {
      const h = health();
      return send(res, h.code, h.body);
    }
    // Injected errors hit everything users call; /health stays truthful about dependencies only.
    const errorRate = Math.max(current.errorRate, behaviour.errorRate ?? 0);
    if (errorRate > 0 && Math.random() < errorRate) {
      return send(res, 500, { error: 'injected internal error', region: options.region });
    }
    if (path === '/version') return send(res, 200, { region: options.region, version: behaviour.version });
    if (path === '/') return send(res, 200, { service: 'crosswind-sandbox-app', region: options.region, version: behaviour.version });
    if (path.startsWith('/api/') && current.dependenciesDown.includes('database')) {
      return send(res, 503, { error: 'database unavailable', region: options.region });
    }
    const item = /^\/api\/items\/([^/]+)$/.exec(path);
    if (item) {
      const id = decodeURIComponent(item[1] ?? '');
      if (req.method === 'GET') {
        const record = tables.items.get(id);
        return record
          ? send(res, 200, { ...record, region: options.region })
          : send(res, 404, { error: 'no such item', id, region: options.region });
      }
      if (req.method === 'PUT' || req.method === 'POST') {
        let body: unknown;
        try {
          body = parseJson(await readBody(req));
        } catch {
          return send(res, 400, { error: 'expected a JSON body' });
        }
        const value = body && typeof body === 'object' && 'value' in body ? (body as { value: unknown }).value : body;
        return send(res, 200, { ...write('items', id, value), region: options.region });
      }
      return send(res, 405, { error: 'expected GET or PUT' });
    }
    if (path === '/api/sessions' && req.method === 'POST') {
      let body: unknown;
      try {
        body = parseJson(await readBody(req));
      } catch {
        return send(res, 400, { error: 'expected a JSON body' });
      }
      const user = body && typeof body === 'object' && 'user' in body ? String((body as { user: unknown }).user) : 'anonymous';
      const record = write('sessions', randomUUID(), { user });
      return send(res, 201, { id: record.id, user, createdAt: record.updatedAt, region: options.region });
    }
    const session = /^\/api\/sessions\/([^/]+)$/.exec(path);
    if (session && req.method === 'GET') {
      const record = tables.sessions.get(decodeURIComponent(session[1] ?? ''));
      if (!record) return send(res, 404, { error: 'no such session', region: options.region });
      const { user } = record.value as { user: string };
      return send(res, 200, { id: record.id, user, createdAt: record.updatedAt, valid: true, region: options.region });
    }
    return send(res, 404, { error: 'not found', path });
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    let body: unknown = {};
    if (req.method === 'PUT' || req.method === 'POST') {
      try {
        body = parseJson(await readBody(req));
      } catch {
        return send(res, 400, { error: 'expected a JSON body' });
      }
    }
    if (path === '/internal/replicate' && req.method === 'POST') {
      const m = body as { table: Table; record: StoredRecord };
      if (current.replicationPaused) inbox.push(m);
      else apply(m.table, m.record);
      return send(res, 200, { ok: true });
    }
    if (path === '/admin/metrics' && req.method === 'POST') {
      // Scrape-and-reset, so each scrape covers the interval since the previous one.
      const out = { ...metrics, pendingReplication: outbox.length + inbox.length };
      metrics = zeroMetrics();
      return send(res, 200, out);
    }
    if (path === '/admin/state' && req.method === 'GET') {
      return send(res, 200, {
        region: options.region,
        version: behaviour,
        faults: current,
        sources: Object.fromEntries(faultSources),
        replication: { outbox: outbox.length, inbox: inbox.length },
        listening: publicListening,
      });
    }
    const fault = /^\/admin\/faults\/([^/]+)$/.exec(path);
    if (fault && req.method === 'PUT') {
      faultSources.set(decodeURIComponent(fault[1] ?? ''), body as FaultSet);
      await refreshFaults();
      log(`faults ${JSON.stringify(current)}`);
      return send(res, 200, current);
    }
    if (fault && req.method === 'DELETE') {
      faultSources.delete(decodeURIComponent(fault[1] ?? ''));
      await refreshFaults();
      return send(res, 200, current);
    }
    if (path === '/admin/faults' && req.method === 'DELETE') {
      faultSources.clear();
      await refreshFaults();
      return send(res, 200, current);
    }
    if (path === '/admin/version' && req.method === 'PUT') {
      const b = body as Partial<VersionBehaviour>;
      if (typeof b.version !== 'string' || b.version === '') return send(res, 400, { error: 'expected {"version": "<non-empty string>"}' });
      behaviour = { version: b.version, addedLatencyMs: b.addedLatencyMs ?? 0, errorRate: b.errorRate ?? 0 };
      log(`version ${JSON.stringify(behaviour)}`);
      return send(res, 200, behaviour);
    }
    return send(res, 404, { error: 'not found', path });
  };

  const wrap = (handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: IncomingMessage, res: ServerResponse) => {
    handler(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
      else res.destroy();
    });
  };

  let publicServer: Server | undefined;
  const openPublic = () =>
    new Promise<void>((resolve, reject) => {
      const server = createServer({ keepAliveTimeout: 10_000 }, wrap(handlePublic));
      server.on('connection', (s: Socket) => {
        publicSockets.add(s);
        s.on('close', () => publicSockets.delete(s));
      });
      server.once('error', reject);
      server.listen(options.publicPort, host, () => {
        publicServer = server;
        publicListening = true;
        resolve();
      });
    });
  const closePublic = () =>
    new Promise<void>((resolve) => {
      publicListening = false;
      const server = publicServer;
      publicServer = undefined;
      for (const s of publicSockets) s.destroy();
      publicSockets.clear();
      heldSockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
    });

  const adminServer = createServer(wrap(handleAdmin));
  const adminSockets = new Set<Socket>();
  adminServer.on('connection', (s: Socket) => {
    adminSockets.add(s);
    s.on('close', () => adminSockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    adminServer.once('error', reject);
    adminServer.listen(options.adminPort, host, () => resolve());
  });
  await openPublic();

  return {
    faults: () => current,
    async stop() {
      stopping = true;
      clearInterval(pump);
      await closePublic();
      for (const s of adminSockets) s.destroy();
      await new Promise<void>((resolve) => adminServer.close(() => resolve()));
    },
  };
}
