import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { bindDnsSockets, DnsServer } from './dns-server.ts';
import { FisExecutor } from './fis-executor.ts';
import { regionTags } from './fis-targets.ts';
import { defaultVantages, isKnownRegion, latencyRow, parseVantageSpecs, type VantageSpec } from './geography.ts';
import { GroundTruthLog } from './ground-truth.ts';
import { loadBalancerName, MetricsPublisher, TABLE_NAME } from './metrics-publisher.ts';
import { type MotoServer, startMoto } from './moto.ts';
import { freePort, isAddressInUse } from './ports.ts';
import { provision, regionTarget, ZONE_NAME } from './provision.ts';
import { type RegionProcess, spawnRegionApp } from './region-app/process.ts';
import { type Route53Api, startRoute53Api } from './route53-api.ts';
import { Route53Engine } from './route53-engine.ts';
import {
  DEFAULT_STATE_FILE,
  readSandboxState,
  SANDBOX_ACCOUNT_ID,
  SANDBOX_CREDENTIALS,
  type SandboxState,
  type SandboxTiming,
  writeSandboxState,
} from './state.ts';
import { VantageProxies } from './vantage-proxy.ts';

export const DEFAULT_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

export const DEFAULT_TIMING: SandboxTiming = {
  healthIntervalMs: 1000,
  failureThreshold: 3,
  healthTimeoutMs: 800,
  dnsTtlMs: 1500,
  replicationLagMs: 500,
};

export interface StartSandboxOptions {
  /** AWS region names; default us-east-1, us-west-2, eu-west-1. */
  regions?: string[];
  /** Vantage specs (`vantage-eu`, `name@eu-west-1`) or placed vantages; default one per region's geography plus one. */
  vantages?: (string | VantageSpec)[];
  /** Where to write the state file; `false` writes none. Default `.crosswind/sandbox/state.json`. */
  stateFile?: string | false;
  /** Ground-truth JSONL; default `ground-truth.jsonl` beside the state file. */
  groundTruthLog?: string;
  timing?: Partial<SandboxTiming>;
  /** The version every region app starts with. */
  version?: string;
  /** Progress and events, one line each. */
  log?: (line: string) => void;
  /** How often the FIS executor lists experiments, in ms. */
  fisPollMs?: number;
  /** How often load balancer, Route 53 and table metrics are published to moto's CloudWatch, in ms; 0 publishes none. */
  metricsIntervalMs?: number;
  /** Where the loopback ports come from; default {@link freePort}. Tests hand out a taken port to see the retry. */
  portSource?: () => Promise<number>;
}

export interface SandboxHandle {
  state: SandboxState;
  /** Milliseconds from the call to startSandbox until everything answered. */
  readyMs: number;
  /** Route 53's data plane: health checks and answers. */
  engine: Route53Engine;
  /** The authoritative name server of the hosted zone. */
  dns: DnsServer;
  fis: FisExecutor;
  /** Stops everything this sandbox started and removes its state file; safe to call twice. */
  stop(): Promise<void>;
}

/** True when a process with this id exists (signal 0 checks without signalling). */
export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function timingProblems(t: SandboxTiming): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(t)) if (!Number.isFinite(v) || v < 0) problems.push(`timing.${k}: expected a number >= 0, got ${v}`);
  if (t.failureThreshold < 1 || t.failureThreshold > 10 || !Number.isInteger(t.failureThreshold)) {
    problems.push(`timing.failureThreshold: expected an integer 1-10 (Route 53's range), got ${t.failureThreshold}`);
  }
  if (t.healthIntervalMs < 50) problems.push(`timing.healthIntervalMs: expected at least 50 ms, got ${t.healthIntervalMs}`);
  return problems;
}

/**
 * Starts the sandbox: moto, one region app process per region, provisioning into moto, the Route 53 engine, the DNS server, the vantage proxies (one listener per
 * vantage), the Route 53 API, and the FIS executor, all on free loopback ports; writes the state file.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<SandboxHandle> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const regions = options.regions ?? DEFAULT_REGIONS;
  const timing: SandboxTiming = { ...DEFAULT_TIMING, ...options.timing };
  const problems: { path: string; message: string }[] = [];
  regions.forEach((r, i) => {
    if (!isKnownRegion(r)) problems.push({ path: `regions[${i}]`, message: `expected an AWS region name the sandbox knows, got "${r}"` });
  });
  if (regions.length === 0) problems.push({ path: 'regions', message: 'expected at least one region' });
  if (new Set(regions).size !== regions.length) problems.push({ path: 'regions', message: 'a region is listed twice' });
  for (const p of timingProblems(timing)) problems.push({ path: p.split(':')[0] ?? '', message: p.slice(p.indexOf(':') + 2) });
  const specs = options.vantages ?? defaultVantages(regions);
  const parsed = parseVantageSpecs(specs.filter((s): s is string => typeof s === 'string'));
  for (const p of parsed.problems) problems.push({ path: 'vantages', message: p });
  const vantageSpecs = [...parsed.vantages, ...specs.filter((s): s is VantageSpec => typeof s !== 'string')];
  if (new Set(vantageSpecs.map((v) => v.name)).size !== vantageSpecs.length)
    problems.push({ path: 'vantages', message: 'a vantage is listed twice' });
  if (problems.length > 0) throw new ConfigError(problems);

  const stateFile = options.stateFile === false ? undefined : resolve(options.stateFile ?? DEFAULT_STATE_FILE);
  if (stateFile) {
    // Another running sandbox owns this state file: overwriting it would orphan that sandbox's processes.
    const previous = await readSandboxState(stateFile).catch(() => undefined);
    if (previous && previous.supervisorPid !== process.pid && processAlive(previous.supervisorPid)) {
      throw new ConfigError([
        {
          path: 'stateFile',
          message: `a sandbox is already running with ${stateFile} (pid ${previous.supervisorPid}); stop it with 'crosswind sandbox down' or use another state file`,
        },
      ]);
    }
  }
  const groundTruthPath = resolve(
    options.groundTruthLog ?? join(stateFile ? dirname(stateFile) : '.crosswind/sandbox', 'ground-truth.jsonl'),
  );
  const launch = { started, log, regions, timing, vantageSpecs, stateFile, groundTruthPath, options };
  // Ports are probed free and bound a moment later; another listener can take one in between. A fresh set of
  // ports on a second or third try gets past that race; any other failure is reported as it is.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchSandbox(launch);
    } catch (err) {
      if (attempt >= 3 || !isAddressInUse(err)) throw err;
      log(`a port was taken while starting (${(err as Error).message.split('\n')[0]}); retrying with fresh ports`);
    }
  }
}

interface Launch {
  started: number;
  log: (line: string) => void;
  regions: string[];
  timing: SandboxTiming;
  vantageSpecs: VantageSpec[];
  stateFile: string | undefined;
  groundTruthPath: string;
  options: StartSandboxOptions;
}

/** One attempt at starting everything; whatever it started is stopped again if a step fails. */
async function launchSandbox({
  started,
  log,
  regions,
  timing,
  vantageSpecs,
  stateFile,
  groundTruthPath,
  options,
}: Launch): Promise<SandboxHandle> {
  await rm(groundTruthPath, { force: true });
  const groundTruth = new GroundTruthLog(groundTruthPath);

  // Everything below is undone in reverse order if a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const port = options.portSource ?? freePort;
    const ports = {
      regions: await Promise.all(regions.map(async () => ({ public: await port(), admin: await port() }))),
      vantages: await Promise.all(vantageSpecs.map(() => port())),
      api: await port(),
      dns: await port(),
    };
    const appInfo = regions.map((name, i) => {
      const p = ports.regions[i] ?? { public: 0, admin: 0 };
      return {
        name,
        port: p.public,
        adminPort: p.admin,
        endpoint: `http://127.0.0.1:${p.public}`,
        adminUrl: `http://127.0.0.1:${p.admin}`,
        arn: `arn:aws:ecs:${name}:${SANDBOX_ACCOUNT_ID}:task/crosswind-sandbox/${name.replaceAll('-', '')}app0001`,
        tags: regionTags(name),
      };
    });

    // moto and the region apps start in parallel: they are the slow part (two interpreters).
    log(`starting moto and ${regions.length} region apps`);
    const motoPromise = startMoto({ port: await port() });
    const appPromises = appInfo.map((a) =>
      spawnRegionApp(
        {
          region: a.name,
          version: options.version ?? '1.0.0',
          publicPort: a.port,
          adminPort: a.adminPort,
          peers: appInfo.filter((b) => b.name !== a.name).map((b) => ({ region: b.name, adminUrl: b.adminUrl })),
          replicationLagMs: timing.replicationLagMs,
        },
        { log },
      ),
    );
    const settled = await Promise.allSettled([motoPromise, ...appPromises]);
    for (const s of settled) if (s.status === 'fulfilled') cleanups.push(() => s.value.stop());
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const moto = (settled[0] as PromiseFulfilledResult<MotoServer>).value;
    const apps = settled.slice(1).map((s) => (s as PromiseFulfilledResult<RegionProcess>).value);
    log(`moto at ${moto.url}; region apps up after ${Date.now() - started} ms`);

    const provisioned = await provision(
      moto.url,
      appInfo.map((a) => ({ name: a.name, port: a.port, arn: a.arn, address: '127.0.0.1' })),
      { failureThreshold: timing.failureThreshold, ttlSeconds: Math.ceil(timing.dnsTtlMs / 1000) },
    );
    log(`provisioned hosted zone ${provisioned.hostedZoneId} after ${Date.now() - started} ms`);

    const vantages = vantageSpecs.map((v, i) => {
      const row = latencyRow(v, regions);
      const resolverIp = `127.0.100.${i + 1}`;
      return {
        name: v.name,
        port: ports.vantages[i] ?? 0,
        latencyMs: row.latencyMs,
        nearestRegion: row.nearestRegion,
        resolverIp,
        addresses: [resolverIp],
      };
    });
    const engineRegions = appInfo.map((a) => ({
      name: a.name,
      endpoint: a.endpoint,
      healthCheckId: provisioned.regions[a.name]?.healthCheckId ?? '',
      target: regionTarget(a.name),
    }));
    const engine = new Route53Engine({
      motoUrl: moto.url,
      hostedZoneId: provisioned.hostedZoneId,
      regions: engineRegions,
      vantages,
      timing,
      groundTruth,
      log,
    });
    cleanups.push(() => engine.stop());
    await engine.start();
    const dns = new DnsServer({ engine, zone: ZONE_NAME, sockets: await bindDnsSockets('127.0.0.1', ports.dns), groundTruth, log });
    dns.start();
    cleanups.push(() => dns.stop());
    const proxies = new VantageProxies({
      engine,
      recordName: provisioned.recordName,
      regions: appInfo,
      vantages,
      dnsTtlMs: timing.dnsTtlMs,
      groundTruth,
      log,
    });
    cleanups.push(() => proxies.stop());
    await proxies.start();

    const fis = new FisExecutor({ motoUrl: moto.url, regions: appInfo, groundTruth, log, pollMs: options.fisPollMs ?? 200 });
    cleanups.push(() => fis.stop());
    const api: Route53Api = await startRoute53Api({
      port: ports.api,
      motoUrl: moto.url,
      engine,
      onStopExperiment: (id) => fis.experimentStopped(id),
      onDeleteExperimentTemplate: (id) => fis.templateDeleted(id),
    });
    cleanups.push(() => api.stop());
    fis.start();
    const metricsIntervalMs = options.metricsIntervalMs ?? 2000;
    if (metricsIntervalMs > 0) {
      const metrics = new MetricsPublisher({
        motoUrl: moto.url,
        regions: engineRegions.map((r, i) => ({ ...r, adminUrl: appInfo[i]?.adminUrl ?? '' })),
        health: (id) => engine.health(id),
        intervalMs: metricsIntervalMs,
        log,
      });
      cleanups.push(() => metrics.stop());
      metrics.start();
    }

    const state: SandboxState = {
      version: 1,
      startedAt: started,
      supervisorPid: process.pid,
      moto: { url: moto.url, pid: moto.pid },
      aws: {
        accountId: SANDBOX_ACCOUNT_ID,
        controlRegion: 'us-east-1',
        credentials: { ...SANDBOX_CREDENTIALS },
        endpoints: { route53: api.url, fis: api.url, cloudwatch: moto.url, sts: moto.url },
      },
      route53: {
        hostedZoneId: provisioned.hostedZoneId,
        zoneName: 'sandbox.crosswind.test',
        recordName: provisioned.recordName,
        latencyRecordName: provisioned.latencyRecordName,
        weightedRecordName: provisioned.weightedRecordName,
        failoverRecordName: provisioned.failoverRecordName,
      },
      regions: appInfo.map((a, i) => ({
        name: a.name,
        endpoint: a.endpoint,
        adminUrl: a.adminUrl,
        pid: apps[i]?.pid ?? 0,
        arn: a.arn,
        tags: a.tags,
        healthCheckId: provisioned.regions[a.name]?.healthCheckId ?? '',
        setIdentifier: a.name,
        target: regionTarget(a.name),
        experimentTemplates: provisioned.regions[a.name]?.experimentTemplates ?? {},
        alarms: provisioned.regions[a.name]?.alarms ?? [],
        loadBalancer: loadBalancerName(a.name),
      })),
      vantages: vantages.map((v) => ({
        name: v.name,
        endpoint: `http://127.0.0.1:${v.port}`,
        nearestRegion: v.nearestRegion,
        latencyMs: v.latencyMs,
        resolverIp: v.resolverIp,
      })),
      dns: { host: dns.address.host, port: dns.address.port },
      groundTruthLog: groundTruthPath,
      metrics: { intervalMs: metricsIntervalMs, tableName: TABLE_NAME },
      timing,
      ports: [moto.port, api.port, dns.address.port, ...appInfo.flatMap((a) => [a.port, a.adminPort]), ...vantages.map((v) => v.port)],
    };
    if (stateFile) {
      await writeSandboxState(state, stateFile);
      cleanups.push(() => rm(stateFile, { force: true }));
    }
    const readyMs = Date.now() - started;
    groundTruth.write({ time: Date.now(), kind: 'sandbox', phase: 'ready', detail: `ready in ${readyMs} ms` });
    log(`sandbox ready in ${readyMs} ms`);

    let stopping: Promise<void> | undefined;
    return {
      state,
      readyMs,
      engine,
      dns,
      fis,
      stop() {
        stopping ??= (async () => {
          groundTruth.write({ time: Date.now(), kind: 'sandbox', phase: 'stopping' });
          await cleanup();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
