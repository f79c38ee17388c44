import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GroundTruthLog } from './ground-truth.ts';
import type { AnswerHop } from './route53-answer.ts';
import type { EngineVantage, Route53Engine } from './route53-engine.ts';

// The loopback world's client path (used where network namespaces cannot be made): one HTTP listener per vantage
// that plays the vantage's resolver and network. It resolves the global name through the Route 53 engine, caches
// the answer for the DNS TTL, and forwards each request to the region the answer names after the vantage's latency.
// Clients never resolve a name themselves here, so their own DNS cache and kept-alive connections are not in play.

export interface ProxiedVantage extends EngineVantage {
  port: number;
}

export interface VantageProxiesOptions {
  engine: Route53Engine;
  recordName: string;
  regions: { name: string; endpoint: string }[];
  vantages: ProxiedVantage[];
  /** How long each vantage caches its answer, in ms. */
  dnsTtlMs: number;
  groundTruth: GroundTruthLog;
  log?: (line: string) => void;
}

interface VantageAnswer {
  region: string;
  hops: AnswerHop[];
  expiresAt: number;
}

export class VantageProxies {
  private readonly answers = new Map<string, VantageAnswer>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 2000 });
  private dnsTimer: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: VantageProxiesOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Resolves every vantage, then opens the listeners. */
  async start(): Promise<void> {
    for (const v of this.options.vantages) this.refreshAnswer(v, Date.now());
    await Promise.all(this.options.vantages.map((v) => this.listen(v)));
    // Resolvers re-resolve when their cached answer expires; checking often keeps route changes' times precise.
    this.dnsTimer = setInterval(
      () => {
        const now = Date.now();
        for (const v of this.options.vantages) {
          const a = this.answers.get(v.name);
          if (!a || a.expiresAt <= now) this.refreshAnswer(v, now);
        }
      },
      Math.max(10, Math.min(50, this.options.dnsTtlMs / 4)),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.dnsTimer);
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.agent.destroy();
  }

  /** The region each vantage's cached answer currently names. */
  routes(): Record<string, string> {
    return Object.fromEntries([...this.answers].map(([v, a]) => [v, a.region]));
  }

  private refreshAnswer(vantage: ProxiedVantage, now: number): VantageAnswer | undefined {
    const hops = this.options.engine.resolve(this.options.recordName, vantage);
    const last = hops.findLast((h) => this.options.engine.regionForTarget(h.record.value) !== undefined);
    const region = last ? this.options.engine.regionForTarget(last.record.value) : undefined;
    const previous = this.answers.get(vantage.name);
    if (!region) {
      // No answer (records deleted or pointing outside the sandbox): keep the previous one, as a resolver's cache would.
      if (previous) previous.expiresAt = now + this.options.dnsTtlMs;
      return previous;
    }
    const answer = { region, hops, expiresAt: now + this.options.dnsTtlMs };
    this.answers.set(vantage.name, answer);
    if (previous?.region !== region) {
      this.options.groundTruth.write({
        time: now,
        kind: 'route',
        vantage: vantage.name,
        from: previous?.region ?? null,
        to: region,
        record: hops.map((h) => `${h.name}[${h.policy}${h.record.setIdentifier ? `:${h.record.setIdentifier}` : ''}]`).join(' -> '),
        allUnhealthy: hops.some((h) => h.allUnhealthy),
      });
      this.log(`route ${vantage.name}: ${previous?.region ?? '-'} -> ${region}`);
    }
    return answer;
  }

  private listen(vantage: ProxiedVantage): Promise<void> {
    const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => this.forward(vantage, req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(vantage.port, '127.0.0.1', () => resolve());
    });
  }

  private forward(vantage: ProxiedVantage, req: IncomingMessage, res: ServerResponse): void {
    const now = Date.now();
    let answer = this.answers.get(vantage.name);
    if (!answer || answer.expiresAt <= now) answer = this.refreshAnswer(vantage, now);
    const region = this.options.regions.find((r) => r.name === answer?.region);
    if (!region) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'no route', vantage: vantage.name }));
      return;
    }
    const delay = vantage.latencyMs[region.name] ?? 0;
    const target = new URL(req.url ?? '/', region.endpoint);
    setTimeout(() => {
      const upstream = request(
        target,
        { method: req.method, headers: { ...req.headers, host: target.host, 'x-crosswind-vantage': vantage.name }, agent: this.agent },
        (up) => {
          const headers = { ...up.headers, 'x-crosswind-vantage': vantage.name };
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
        },
      );
      // A region that refuses or drops connections looks the same to the client: its connection breaks.
      upstream.setTimeout(30_000, () => upstream.destroy(new Error('upstream timeout')));
      upstream.on('error', () => {
        if (!res.headersSent) req.socket.destroy();
        else res.destroy();
      });
      req.pipe(upstream);
    }, delay);
  }
}
