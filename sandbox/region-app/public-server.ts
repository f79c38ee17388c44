import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { EffectiveFaults } from './faults.ts';
import { guarded, sendJson } from './http.ts';
import type { MetricsCounter } from './metrics.ts';
import { type ApiContext, handleApiRequest } from './public-api.ts';

// The public listener: the regional load balancer clients reach. It owns the faults of the connection: a stopped app
// closes the listener (connections are refused), an unreachable one holds every request without answering, and
// added latency delays each answer. It counts what a load balancer would report.

/** Where the public listener accepts: an address and port here, or a listening socket made elsewhere (a namespace). */
export type ListenTarget = { host: string; port: number } | { bind: () => Promise<NetServer> };

export interface PublicServerOptions {
  /** Every place it accepts connections; a stopped app closes them all. */
  listen: ListenTarget[];
  api: ApiContext;
  metrics: MetricsCounter;
  /** Added before answering a client at this address: the vantage's network latency to the region. */
  latencyBySource: Record<string, number>;
  vantageBySource: Record<string, string>;
  /** JSONL file of every answered request. */
  requestLog?: string;
  /** Hold requests unanswered while `unreachable` (when the network itself cannot be cut). */
  holdWhenUnreachable: boolean;
}

/** One line of a region's request log: which client address reached this region, when, and what it got. */
export interface RequestLogLine {
  /** When the request arrived, ms since the epoch. */
  time: number;
  kind: 'request';
  region: string;
  source: string;
  /** The vantage the source address belongs to, or the one a vantage proxy named; null otherwise. */
  vantage: string | null;
  /** The client's User-Agent (crosswind's k6 runs name their client profile there). */
  client: string;
  method: string;
  path: string;
  status: number;
}

export class PublicServer {
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<Socket>();
  private closing = false;
  private readonly log: WriteStream | undefined;

  constructor(private readonly options: PublicServerOptions) {
    this.log = options.requestLog ? createWriteStream(options.requestLog, { flags: 'a' }) : undefined;
  }

  /** True while the listener accepts connections. */
  get listening(): boolean {
    return this.servers.length > 0;
  }

  /** Follows the faults: closes or reopens the listener, lets held connections go when the network is back. */
  async applyFaults(faults: EffectiveFaults): Promise<void> {
    if (!faults.unreachable) {
      for (const s of this.held) s.destroy();
      this.held.clear();
    }
    if (faults.stopped && this.listening) await this.close();
    else if (!faults.stopped && !this.listening && !this.closing) await this.open();
  }

  async open(): Promise<void> {
    const opened: Server[] = [];
    for (const target of this.options.listen) {
      const server = createServer(
        { keepAliveTimeout: 10_000 },
        guarded(
          (req, res) => this.handle(req, res),
          (res, err) => sendJson(res, 500, { error: String(err) }, this.stamp()),
        ),
      );
      server.on('connection', (s: Socket) => {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
      });
      const handle = 'bind' in target ? await target.bind() : undefined;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        if (handle) server.listen(handle, () => resolve());
        else if (!('bind' in target)) server.listen(target.port, target.host, () => resolve());
      });
      opened.push(server);
    }
    this.servers = opened;
  }

  /** Closes the listener and every connection; `final` keeps it closed whatever the faults say later. */
  close(final = false): Promise<void> {
    if (final) this.closing = true;
    return new Promise((resolve) => {
      const servers = this.servers;
      this.servers = [];
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      this.held.clear();
      if (final) this.log?.end();
      Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done())))).then(() => resolve());
    });
  }

  private logRequest(req: IncomingMessage, status: number, source: string, time: number): void {
    const header = req.headers['x-crosswind-vantage'];
    const line: RequestLogLine = {
      time,
      kind: 'request',
      region: this.options.api.region,
      source,
      vantage: this.options.vantageBySource[source] ?? (typeof header === 'string' ? header : null),
      client: req.headers['user-agent'] ?? '',
      method: req.method ?? '',
      path: req.url ?? '',
      status,
    };
    this.log?.write(`${JSON.stringify(line)}\n`);
  }

  private stamp() {
    return { region: this.options.api.region, version: this.options.api.behaviour().version };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = Date.now();
    const source = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    if (!req.url?.startsWith('/health')) res.on('finish', () => this.options.metrics.response(res.statusCode, Date.now() - received));
    if (this.log) res.on('finish', () => this.logRequest(req, res.statusCode, source, received));
    const faults = this.options.api.faults();
    if (faults.unreachable && this.options.holdWhenUnreachable) {
      // A black hole: the connection stays open and nothing comes back, as when the network drops packets.
      this.held.add(req.socket);
      return;
    }
    const network = this.options.latencyBySource[source] ?? 0;
    const delay = network + faults.addedLatencyMs + (this.options.api.behaviour().addedLatencyMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    await handleApiRequest(this.options.api, req, res);
  }
}
