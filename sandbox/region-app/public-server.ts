import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { EffectiveFaults } from './faults.ts';
import { guarded, sendJson } from './http.ts';
import type { MetricsCounter } from './metrics.ts';
import { type ApiContext, handleApiRequest } from './public-api.ts';

// The public listener: the regional load balancer clients reach. It owns the faults of the connection: a stopped app
// closes the listener (connections are refused), an unreachable one holds every request without answering, and
// added latency delays each answer. It counts what a load balancer would report.

export interface PublicServerOptions {
  host: string;
  port: number;
  api: ApiContext;
  metrics: MetricsCounter;
}

export class PublicServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<Socket>();
  private closing = false;

  constructor(private readonly options: PublicServerOptions) {}

  /** True while the listener accepts connections. */
  get listening(): boolean {
    return this.server !== undefined;
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

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
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
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        this.server = server;
        resolve();
      });
    });
  }

  /** Closes the listener and every connection; `final` keeps it closed whatever the faults say later. */
  close(final = false): Promise<void> {
    if (final) this.closing = true;
    return new Promise((resolve) => {
      const server = this.server;
      this.server = undefined;
      for (const s of this.sockets) s.destroy();
      this.sockets.clear();
      this.held.clear();
      if (!server) return resolve();
      server.close(() => resolve());
    });
  }

  private stamp() {
    return { region: this.options.api.region, version: this.options.api.behaviour().version };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const received = Date.now();
    if (!req.url?.startsWith('/health')) res.on('finish', () => this.options.metrics.response(res.statusCode, Date.now() - received));
    const faults = this.options.api.faults();
    if (faults.unreachable) {
      // A black hole: the connection stays open and nothing comes back, as when the network drops packets.
      this.held.add(req.socket);
      return;
    }
    const delay = faults.addedLatencyMs + (this.options.api.behaviour().addedLatencyMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    await handleApiRequest(this.options.api, req, res);
  }
}
