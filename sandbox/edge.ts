import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ListHealthChecksCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import type { GroundTruthLog } from './ground-truth.ts';
import {
  type AnswerHop,
  type HealthCheckSettings,
  type HealthCounter,
  INITIAL_COUNTER,
  nextCounter,
  normalizeName,
  type RecordView,
  reportedHealthy,
  resolveName,
} from './route53-answer.ts';
import { SANDBOX_CREDENTIALS, type SandboxTiming } from './state.ts';

// The edge: Route 53 as clients experience it. It health-checks every region, reads the health checks' settings and
// the record sets back from moto each cycle, resolves the global name per vantage (cached for the DNS TTL), and
// forwards each request to the region the answer names, after the vantage's network latency.

export interface EdgeRegion {
  name: string;
  endpoint: string;
  healthCheckId: string;
  /** Record value that names this region. */
  target: string;
}

export interface EdgeVantage {
  name: string;
  port: number;
  latencyMs: Record<string, number>;
  resolverIp: string;
}

export interface EdgeOptions {
  motoUrl: string;
  hostedZoneId: string;
  recordName: string;
  regions: EdgeRegion[];
  vantages: EdgeVantage[];
  timing: SandboxTiming;
  groundTruth: GroundTruthLog;
  log?: (line: string) => void;
  random?: () => number;
}

/** The last probe of a region's /health, as GetHealthCheckStatus reports it. */
export interface ProbeResult {
  time: number;
  ok: boolean;
  /** e.g. `HTTP Status Code 200, OK` or `Connection refused`. */
  detail: string;
}

export interface HealthView {
  region: string;
  healthCheckId: string;
  healthy: boolean;
  measuredHealthy: boolean;
  settings: HealthCheckSettings;
  lastProbe: ProbeResult | undefined;
}

interface VantageAnswer {
  region: string;
  hops: AnswerHop[];
  expiresAt: number;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

export class Edge {
  private readonly route53: Route53Client;
  private readonly counters = new Map<string, HealthCounter>();
  private readonly settings = new Map<string, HealthCheckSettings>();
  private readonly reported = new Map<string, boolean>();
  private readonly probes = new Map<string, ProbeResult>();
  private readonly answers = new Map<string, VantageAnswer>();
  private records: RecordView[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: 2000 });
  private timer: NodeJS.Timeout | undefined;
  private dnsTimer: NodeJS.Timeout | undefined;
  private cycleRunning = false;
  private stopped = false;
  private readonly log: (line: string) => void;
  private readonly random: () => number;

  constructor(private readonly options: EdgeOptions) {
    this.route53 = new Route53Client({
      region: 'us-east-1',
      endpoint: options.motoUrl,
      credentials: { ...SANDBOX_CREDENTIALS },
      maxAttempts: 2,
    });
    this.log = options.log ?? (() => {});
    this.random = options.random ?? Math.random;
    for (const r of options.regions) {
      this.counters.set(r.name, INITIAL_COUNTER);
      this.settings.set(r.name, { inverted: false, disabled: false, failureThreshold: options.timing.failureThreshold });
      this.reported.set(r.name, true);
    }
  }

  /** Runs one health cycle, resolves every vantage, then opens the vantage listeners and starts the loops. */
  async start(): Promise<void> {
    await this.cycle();
    for (const v of this.options.vantages) this.refreshAnswer(v, Date.now());
    await Promise.all(this.options.vantages.map((v) => this.listen(v)));
    this.timer = setInterval(() => void this.cycle(), this.options.timing.healthIntervalMs);
    // Resolvers re-resolve when their cached answer expires; checking often keeps route changes' times precise.
    this.dnsTimer = setInterval(
      () => {
        const now = Date.now();
        for (const v of this.options.vantages) {
          const a = this.answers.get(v.name);
          if (!a || a.expiresAt <= now) this.refreshAnswer(v, now);
        }
      },
      Math.max(10, Math.min(50, this.options.timing.dnsTtlMs / 4)),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.dnsTimer);
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.agent.destroy();
    this.route53.destroy();
  }

  /** What the edge computed for one health check, for GetHealthCheckStatus; undefined for an id it does not check. */
  health(healthCheckId: string): HealthView | undefined {
    const region = this.options.regions.find((r) => r.healthCheckId === healthCheckId);
    if (!region) return undefined;
    return {
      region: region.name,
      healthCheckId,
      healthy: this.reported.get(region.name) ?? true,
      measuredHealthy: this.counters.get(region.name)?.measuredHealthy ?? true,
      settings: this.settings.get(region.name) ?? { inverted: false, disabled: false, failureThreshold: 3 },
      lastProbe: this.probes.get(region.name),
    };
  }

  /** Resolves a name as Route 53 would for a resolver at the given IP (TestDNSAnswer); uses the current health. */
  resolve(recordName: string, resolverIp: string | undefined): { hops: AnswerHop[]; vantage: string } {
    const vantage = this.options.vantages.find((v) => v.resolverIp === resolverIp) ?? this.options.vantages[0];
    const hops = resolveName(this.records, recordName, this.context(vantage));
    return { hops, vantage: vantage?.name ?? '' };
  }

  /** The region each vantage's cached answer currently names. */
  routes(): Record<string, string> {
    return Object.fromEntries([...this.answers].map(([v, a]) => [v, a.region]));
  }

  private context(vantage: EdgeVantage | undefined) {
    return {
      healthy: (id: string) => {
        const region = this.options.regions.find((r) => r.healthCheckId === id);
        return region ? (this.reported.get(region.name) ?? true) : true;
      },
      latencyMs: (region: string) => vantage?.latencyMs[region],
      random: this.random,
    };
  }

  private regionForTarget(value: string): string | undefined {
    const target = normalizeName(value);
    return this.options.regions.find((r) => normalizeName(r.target) === target)?.name;
  }

  private refreshAnswer(vantage: EdgeVantage, now: number): VantageAnswer | undefined {
    const hops = resolveName(this.records, this.options.recordName, this.context(vantage));
    const last = hops[hops.length - 1];
    const region = last ? this.regionForTarget(last.record.value) : undefined;
    const previous = this.answers.get(vantage.name);
    if (!region) {
      // No answer (records deleted or pointing outside the sandbox): keep the previous one, as a resolver's cache would.
      if (previous) previous.expiresAt = now + this.options.timing.dnsTtlMs;
      return previous;
    }
    const answer = { region, hops, expiresAt: now + this.options.timing.dnsTtlMs };
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

  private async probe(region: EdgeRegion): Promise<ProbeResult> {
    const time = Date.now();
    try {
      const res = await fetch(`${region.endpoint}/health`, { signal: AbortSignal.timeout(this.options.timing.healthTimeoutMs) });
      await res.arrayBuffer();
      const ok = res.status >= 200 && res.status < 400;
      return { time, ok, detail: `HTTP Status Code ${res.status}, ${STATUS_TEXT[res.status] ?? res.statusText}` };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const detail =
        e.name === 'TimeoutError'
          ? `Timed out after ${this.options.timing.healthTimeoutMs} ms`
          : e.cause?.code === 'ECONNREFUSED'
            ? 'Connection refused'
            : e.message;
      return { time, ok: false, detail };
    }
  }

  /** Reads settings and records back from moto; on failure keeps the last known ones (moto is local, rarely slow). */
  private async readMoto(): Promise<void> {
    try {
      const [checks, records] = await Promise.all([
        this.route53.send(new ListHealthChecksCommand({})),
        this.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: this.options.hostedZoneId })),
      ]);
      for (const hc of checks.HealthChecks ?? []) {
        const region = this.options.regions.find((r) => r.healthCheckId === hc.Id);
        if (!region) continue;
        const c = hc.HealthCheckConfig;
        this.settings.set(region.name, {
          inverted: c?.Inverted === true,
          disabled: c?.Disabled === true,
          failureThreshold: c?.FailureThreshold ?? this.options.timing.failureThreshold,
        });
      }
      this.records = (records.ResourceRecordSets ?? []).map((r) => {
        const view: RecordView = {
          name: r.Name ?? '',
          type: r.Type ?? '',
          value: r.ResourceRecords?.[0]?.Value ?? r.AliasTarget?.DNSName ?? '',
        };
        if (r.SetIdentifier) view.setIdentifier = r.SetIdentifier;
        if (r.Region) view.region = r.Region;
        if (r.Weight !== undefined) view.weight = r.Weight;
        if (r.Failover === 'PRIMARY' || r.Failover === 'SECONDARY') view.failover = r.Failover;
        if (r.HealthCheckId) view.healthCheckId = r.HealthCheckId;
        return view;
      });
    } catch (err) {
      this.log(`reading Route 53 settings from moto failed: ${(err as Error).message}`);
    }
  }

  private async cycle(): Promise<void> {
    if (this.cycleRunning || this.stopped) return;
    this.cycleRunning = true;
    try {
      const [, results] = await Promise.all([this.readMoto(), Promise.all(this.options.regions.map((r) => this.probe(r)))]);
      const now = Date.now();
      this.options.regions.forEach((region, i) => {
        const result = results[i];
        if (!result || this.stopped) return;
        this.probes.set(region.name, result);
        const settings = this.settings.get(region.name) ?? { inverted: false, disabled: false, failureThreshold: 3 };
        const counter = nextCounter(this.counters.get(region.name) ?? INITIAL_COUNTER, result.ok, settings.failureThreshold);
        this.counters.set(region.name, counter);
        const healthy = reportedHealthy(counter.measuredHealthy, settings);
        if (healthy !== this.reported.get(region.name)) {
          this.reported.set(region.name, healthy);
          this.options.groundTruth.write({
            time: now,
            kind: 'health',
            region: region.name,
            healthCheckId: region.healthCheckId,
            healthy,
            measuredHealthy: counter.measuredHealthy,
            inverted: settings.inverted,
            disabled: settings.disabled,
            reason: result.detail,
          });
          this.log(`health ${region.name}: ${healthy ? 'healthy' : 'unhealthy'} (${result.detail})`);
        }
      });
    } finally {
      this.cycleRunning = false;
    }
  }

  private listen(vantage: EdgeVantage): Promise<void> {
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

  private forward(vantage: EdgeVantage, req: IncomingMessage, res: ServerResponse): void {
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
