import { ListHealthChecksCommand, ListResourceRecordSetsCommand, type ResourceRecordSet, Route53Client } from '@aws-sdk/client-route-53';
import type { GroundTruthLog } from './ground-truth.ts';
import {
  type AnswerContext,
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

// Route 53's data plane as the sandbox runs it: every health interval it probes each region's /health, reads the
// health checks' settings and the hosted zone's record sets back from moto (so SDK calls take effect), and keeps each
// health check's status the way Route 53 computes it. Answers for a name are computed on demand, for the vantage a
// resolver address belongs to. The DNS server, the Route 53 API and the loopback world's vantage proxies ask it.

export interface EngineRegion {
  name: string;
  /** The region app's public URL, probed at `/health`. */
  endpoint: string;
  healthCheckId: string;
  /** Record value that names this region. */
  target: string;
}

export interface EngineVantage {
  name: string;
  /** Resolver addresses that belong to this vantage: queries from them are answered for it. */
  addresses: string[];
  /** Latency from here to each region: latency records are chosen by it. */
  latencyMs: Record<string, number>;
}

/** The last probe of a region's /health, as GetHealthCheckStatus reports it. */
export interface ProbeResult {
  time: number;
  ok: boolean;
  /** e.g. `HTTP Status Code 200, OK` or `Connection refused`. */
  detail: string;
}

/** Probes one region's /health within a timeout. */
export type Probe = (region: EngineRegion, timeoutMs: number) => Promise<ProbeResult>;

export interface HealthView {
  region: string;
  healthCheckId: string;
  healthy: boolean;
  measuredHealthy: boolean;
  settings: HealthCheckSettings;
  lastProbe: ProbeResult | undefined;
}

export interface Route53EngineOptions {
  motoUrl: string;
  hostedZoneId: string;
  regions: EngineRegion[];
  vantages: EngineVantage[];
  timing: SandboxTiming;
  groundTruth: GroundTruthLog;
  /** Default: an HTTP GET from this process ({@link probeHealth}). */
  probe?: Probe;
  log?: (line: string) => void;
  random?: () => number;
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** GETs `<endpoint>/health` and reads it as a Route 53 HTTP checker does: 2xx and 3xx pass. */
export async function probeHealth(endpoint: string, timeoutMs: number): Promise<ProbeResult> {
  const time = Date.now();
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    const ok = res.status >= 200 && res.status < 400;
    return { time, ok, detail: `HTTP Status Code ${res.status}, ${STATUS_TEXT[res.status] ?? res.statusText}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const detail =
      e.name === 'TimeoutError' ? `Timed out after ${timeoutMs} ms` : e.cause?.code === 'ECONNREFUSED' ? 'Connection refused' : e.message;
    return { time, ok: false, detail };
  }
}

/** A record set as the engine reads it. */
export function recordView(r: ResourceRecordSet): RecordView {
  const values = (r.ResourceRecords ?? []).map((v) => v.Value ?? '').filter((v) => v !== '');
  if (values.length === 0 && r.AliasTarget?.DNSName) values.push(r.AliasTarget.DNSName);
  // An alias has no TTL of its own; Route 53 answers with its target's. In-zone targets carry 60 s in the sandbox.
  const view: RecordView = { name: r.Name ?? '', type: r.Type ?? '', value: values[0] ?? '', values, ttl: r.TTL ?? 60 };
  if (r.SetIdentifier) view.setIdentifier = r.SetIdentifier;
  if (r.Region) view.region = r.Region;
  if (r.Weight !== undefined) view.weight = r.Weight;
  if (r.Failover === 'PRIMARY' || r.Failover === 'SECONDARY') view.failover = r.Failover;
  if (r.HealthCheckId) view.healthCheckId = r.HealthCheckId;
  return view;
}

export class Route53Engine {
  private readonly route53: Route53Client;
  private readonly counters = new Map<string, HealthCounter>();
  private readonly settings = new Map<string, HealthCheckSettings>();
  private readonly reported = new Map<string, boolean>();
  private readonly probes = new Map<string, ProbeResult>();
  private zone: RecordView[] = [];
  private timer: NodeJS.Timeout | undefined;
  private cycleRunning = false;
  private stopped = false;
  private readonly log: (line: string) => void;
  private readonly probe: Probe;
  readonly random: () => number;

  constructor(private readonly options: Route53EngineOptions) {
    this.route53 = new Route53Client({
      region: 'us-east-1',
      endpoint: options.motoUrl,
      credentials: { ...SANDBOX_CREDENTIALS },
      maxAttempts: 2,
    });
    this.log = options.log ?? (() => {});
    this.random = options.random ?? Math.random;
    this.probe = options.probe ?? ((region, timeoutMs) => probeHealth(region.endpoint, timeoutMs));
    for (const r of options.regions) {
      this.counters.set(r.name, INITIAL_COUNTER);
      this.settings.set(r.name, { inverted: false, disabled: false, failureThreshold: options.timing.failureThreshold });
      this.reported.set(r.name, true);
    }
  }

  /** Runs one cycle (so answers and health are known), then one every health interval. */
  async start(): Promise<void> {
    await this.cycle();
    this.timer = setInterval(() => void this.cycle(), this.options.timing.healthIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.route53.destroy();
  }

  /** The record sets of the hosted zone as last read. */
  get records(): readonly RecordView[] {
    return this.zone;
  }

  get vantages(): readonly EngineVantage[] {
    return this.options.vantages;
  }

  /** The vantage a resolver address belongs to; undefined for an address no vantage has. */
  vantageAt(address: string | undefined): EngineVantage | undefined {
    if (address === undefined) return undefined;
    const plain = address.replace(/^::ffff:/, '');
    return this.options.vantages.find((v) => v.addresses.includes(plain));
  }

  /**
   * Resolves a name as Route 53 answers a resolver at this vantage, with the current health. Without a vantage,
   * latency records have no latency to compare and the first healthy record answers.
   */
  resolve(name: string, vantage: EngineVantage | undefined): AnswerHop[] {
    return resolveName(this.zone, name, this.answerContext(vantage));
  }

  /** What routing decisions read for a resolver at this vantage: health now, latency from there, the random source. */
  answerContext(vantage: EngineVantage | undefined): AnswerContext {
    return {
      healthy: (id) => this.healthyCheck(id),
      latencyMs: (region) => vantage?.latencyMs[region],
      random: this.random,
    };
  }

  /** The region a record value names (`<region>.regions.<zone>`), if it names one. */
  regionForTarget(value: string): string | undefined {
    const target = normalizeName(value);
    return this.options.regions.find((r) => normalizeName(r.target) === target)?.name;
  }

  /** The health check id of a region ('' for a region it does not know). */
  regionHealthCheck(region: string): string {
    return this.options.regions.find((r) => r.name === region)?.healthCheckId ?? '';
  }

  /** What the engine computed for one health check, for GetHealthCheckStatus; undefined for an id it does not check. */
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

  private healthyCheck(id: string): boolean {
    const region = this.options.regions.find((r) => r.healthCheckId === id);
    return region ? (this.reported.get(region.name) ?? true) : true;
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
      this.zone = (records.ResourceRecordSets ?? []).map(recordView);
    } catch (err) {
      this.log(`reading Route 53 settings from moto failed: ${(err as Error).message}`);
    }
  }

  private async cycle(): Promise<void> {
    if (this.cycleRunning || this.stopped) return;
    this.cycleRunning = true;
    try {
      const timeout = this.options.timing.healthTimeoutMs;
      const [, results] = await Promise.all([this.readMoto(), Promise.all(this.options.regions.map((r) => this.probe(r, timeout)))]);
      const now = Date.now();
      this.options.regions.forEach((region, i) => {
        const result = results[i];
        if (result && !this.stopped) this.observe(region, result, now);
      });
    } finally {
      this.cycleRunning = false;
    }
  }

  private observe(region: EngineRegion, result: ProbeResult, now: number): void {
    this.probes.set(region.name, result);
    const settings = this.settings.get(region.name) ?? { inverted: false, disabled: false, failureThreshold: 3 };
    const counter = nextCounter(this.counters.get(region.name) ?? INITIAL_COUNTER, result.ok, settings.failureThreshold);
    this.counters.set(region.name, counter);
    const healthy = reportedHealthy(counter.measuredHealthy, settings);
    if (healthy === this.reported.get(region.name)) return;
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
}
