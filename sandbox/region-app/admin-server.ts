import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FaultBoard, FaultSet } from './faults.ts';
import { guarded, readJson, sendJson } from './http.ts';
import type { MetricsCounter } from './metrics.ts';
import type { VersionBehaviour } from './public-api.ts';
import type { ReplicatedStore, StoredRecord, Table } from './store.ts';

// The admin listener: fault knobs, the deployed version, metric scrapes, the app's state, and replication from the
// other regions. Only the sandbox talks to it.

/** What the admin routes change and read. */
export interface AdminContext {
  region: string;
  store: ReplicatedStore;
  faults: FaultBoard;
  metrics: MetricsCounter;
  behaviour(): VersionBehaviour;
  setBehaviour(b: VersionBehaviour): void;
  /** Makes the app follow its faults after a change (listener, held connections, replication). */
  faultsChanged(): Promise<void>;
  publicListening(): boolean;
  log(line: string): void;
}

type Send = (status: number, body: unknown) => void;

/** Answers one admin request. */
export async function handleAdminRequest(ctx: AdminContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send: Send = (status, body) => sendJson(res, status, body, { region: ctx.region, version: ctx.behaviour().version });
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  let body: unknown = {};
  if (req.method === 'PUT' || req.method === 'POST') {
    const parsed = await readJson(req);
    if (!parsed.ok) return send(400, { error: 'expected a JSON body' });
    body = parsed.body;
  }
  if (path === '/internal/replicate' && req.method === 'POST') {
    const m = body as { table: Table; record: StoredRecord };
    ctx.store.receive(m.table, m.record);
    return send(200, { ok: true });
  }
  if (path === '/admin/metrics' && req.method === 'POST') {
    const backlog = ctx.store.backlog();
    return send(200, ctx.metrics.scrape(backlog.outbox + backlog.inbox));
  }
  if (path === '/admin/state' && req.method === 'GET') {
    return send(200, {
      region: ctx.region,
      version: ctx.behaviour(),
      faults: ctx.faults.current,
      sources: ctx.faults.bySource(),
      replication: ctx.store.backlog(),
      listening: ctx.publicListening(),
    });
  }
  const fault = /^\/admin\/faults\/([^/]+)$/.exec(path);
  if (fault && (req.method === 'PUT' || req.method === 'DELETE')) {
    const source = decodeURIComponent(fault[1] ?? '');
    if (req.method === 'PUT') ctx.faults.set(source, body as FaultSet);
    else ctx.faults.remove(source);
    await ctx.faultsChanged();
    if (req.method === 'PUT') ctx.log(`faults ${JSON.stringify(ctx.faults.current)}`);
    return send(200, ctx.faults.current);
  }
  if (path === '/admin/faults' && req.method === 'DELETE') {
    ctx.faults.clear();
    await ctx.faultsChanged();
    return send(200, ctx.faults.current);
  }
  if (path === '/admin/version' && req.method === 'PUT') return deploy(ctx, body as Partial<VersionBehaviour>, send);
  return send(404, { error: 'not found', path });
}

function deploy(ctx: AdminContext, b: Partial<VersionBehaviour>, send: Send): void {
  if (typeof b.version !== 'string' || b.version === '') {
    send(400, { error: 'expected {"version": "<non-empty string>"}' });
    return;
  }
  const behaviour = { version: b.version, addedLatencyMs: b.addedLatencyMs ?? 0, errorRate: b.errorRate ?? 0 };
  ctx.setBehaviour(behaviour);
  ctx.log(`version ${JSON.stringify(behaviour)}`);
  send(200, behaviour);
}

/** Starts the admin listener on a Unix domain socket; `stop` closes it and every connection. */
export async function startAdminServer(ctx: AdminContext, socketPath: string): Promise<{ stop(): Promise<void> }> {
  // A socket file a killed app left behind would make listen fail; nothing else binds this path.
  await rm(socketPath, { force: true });
  const server: Server = createServer(
    guarded(
      (req, res) => handleAdminRequest(ctx, req, res),
      (res, err) => sendJson(res, 500, { error: String(err) }, { region: ctx.region, version: ctx.behaviour().version }),
    ),
  );
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
