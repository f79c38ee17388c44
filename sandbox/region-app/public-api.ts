import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EffectiveFaults } from './faults.ts';
import { deepHealth } from './health.ts';
import { readJson, sendJson } from './http.ts';
import type { ReplicatedStore } from './store.ts';

// The application's public API: `/health` (deep), `/version`, `/`, `/api/items/:id` (GET, PUT) and `/api/sessions`
// (POST, GET :id). Faults that concern the answers (dependencies down, injected errors) are applied here; faults of
// the connection (stopped, unreachable, added latency) belong to the listener.

/** The deployed version and how it behaves (a bad version adds latency or errors). */
export interface VersionBehaviour {
  version: string;
  addedLatencyMs?: number;
  errorRate?: number;
}

/** What the routes read: the region, its data, its faults and its version as they are now. */
export interface ApiContext {
  region: string;
  store: ReplicatedStore;
  faults(): EffectiveFaults;
  behaviour(): VersionBehaviour;
  random?: () => number;
}

type Send = (status: number, body: unknown) => void;

/** Answers one public request (after the listener applied its connection-level faults). */
export async function handleApiRequest(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const region = ctx.region;
  const version = ctx.behaviour().version;
  const send: Send = (status, body) => sendJson(res, status, body, { region, version });
  const path = new URL(req.url ?? '/', 'http://local').pathname;
  const faults = ctx.faults();
  if (path === '/health') {
    const h = deepHealth(region, version, faults, ctx.random);
    return send(h.code, h.body);
  }
  // Injected errors hit everything users call; /health stays truthful about dependencies only.
  const errorRate = Math.max(faults.errorRate, ctx.behaviour().errorRate ?? 0);
  if (errorRate > 0 && (ctx.random ?? Math.random)() < errorRate) return send(500, { error: 'injected internal error', region });
  if (path === '/version') return send(200, { region, version });
  if (path === '/') return send(200, { service: 'crosswind-sandbox-app', region, version });
  if (path.startsWith('/api/') && faults.dependenciesDown.includes('database')) return send(503, { error: 'database unavailable', region });
  const item = /^\/api\/items\/([^/]+)$/.exec(path);
  if (item) return items(ctx, decodeURIComponent(item[1] ?? ''), req, send);
  const session = /^\/api\/sessions\/([^/]+)$/.exec(path);
  if (path === '/api/sessions' && req.method === 'POST') return createSession(ctx, req, send);
  if (session && req.method === 'GET') return readSession(ctx, decodeURIComponent(session[1] ?? ''), send);
  return send(404, { error: 'not found', path });
}

async function items(ctx: ApiContext, id: string, req: IncomingMessage, send: Send): Promise<void> {
  const region = ctx.region;
  if (req.method === 'GET') {
    const record = ctx.store.get('items', id);
    return record ? send(200, { ...record, region }) : send(404, { error: 'no such item', id, region });
  }
  if (req.method === 'PUT' || req.method === 'POST') {
    const parsed = await readJson(req);
    if (!parsed.ok) return send(400, { error: 'expected a JSON body' });
    const body = parsed.body;
    const value = body && typeof body === 'object' && 'value' in body ? (body as { value: unknown }).value : body;
    return send(200, { ...ctx.store.write('items', id, value), region });
  }
  return send(405, { error: 'expected GET or PUT' });
}

async function createSession(ctx: ApiContext, req: IncomingMessage, send: Send): Promise<void> {
  const parsed = await readJson(req);
  if (!parsed.ok) return send(400, { error: 'expected a JSON body' });
  const body = parsed.body;
  const user = body && typeof body === 'object' && 'user' in body ? String((body as { user: unknown }).user) : 'anonymous';
  const record = ctx.store.write('sessions', randomUUID(), { user });
  return send(201, { id: record.id, user, createdAt: record.updatedAt, region: ctx.region });
}

function readSession(ctx: ApiContext, id: string, send: Send): void {
  const record = ctx.store.get('sessions', id);
  if (!record) {
    send(404, { error: 'no such session', region: ctx.region });
    return;
  }
  const { user } = record.value as { user: string };
  send(200, { id: record.id, user, createdAt: record.updatedAt, valid: true, region: ctx.region });
}
