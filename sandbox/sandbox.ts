import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { processAlive } from '../core/child-process.ts';
import { ConfigError } from '../core/errors.ts';
import { bindDnsSockets, DnsServer, type DnsSockets } from './dns-server.ts';
import { EcsExecutor } from './ecs-executor.ts';
import { FisExecutor } from './fis-executor.ts';
import { experimentView } from './fis-experiment-view.ts';
import { regionTags } from './fis-targets.ts';
import { defaultVantages, isKnownRegion, parseVantageSpecs, type VantageSpec } from './geography.ts';
import { GroundTruthLog } from './ground-truth.ts';
import { loadBalancerName, MetricsPublisher, TABLE_NAME } from './metrics-publisher.ts';
import { type MotoServer, startMoto } from './moto.ts';
import { startNetnsAgent } from './netns-agent.ts';
import { nodeEntryArgs } from './node-entry.ts';
import { freePort, isAddressInUse } from './ports.ts';
import { type ProvisionResult, provision, regionTarget, ZONE_NAME } from './provision.ts';
import { type RegionProcess, spawnRegionApp } from './region-app/process.ts';
import { type Route53Api, startRoute53Api } from './route53-api.ts';
import { Route53Engine } from './route53-engine.ts';
import { type RunnerEndpoints, startRunnerEndpoints } from './runner-endpoints.ts';
import { provisionRunners, type RunnerProvision } from './runner-provision.ts';
import { ScheduleExecutor } from './schedule-executor.ts';
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
import { type Layout, prepareLayout, type WorldChoice } from './world.ts';

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
  /**
   * `netns`: a network namespace per region and vantage (Linux, root); `loopback`: everything on 127.0.0.1, vantages
   * as HTTP proxies; `auto`: namespaces where they can be made. Default `loopback`; `crosswind sandbox up` says `auto`.
   */
  world?: WorldChoice;
  /** Where the loopback ports come from; default {@link freePort}. Tests hand out a taken port to see the retry. */
  portSource?: () => Promise<number>;
  /** The k6 the ECS tasks' runners use (the runner image's k6); default `CROSSWIND_K6`, else k6 on PATH. */
  k6?: string;
  /** The `crosswind` executable ECS tasks run (the runner image's); default this installation's. */
  crosswind?: string;
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
  /** Runs the ECS tasks moto records as local processes in their vantages. */
  ecs: EcsExecutor;
  /** Stops everything this sandbox started and removes its state file; safe to call twice. */
  stop(): Promise<void>;
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

/** Everything started so far, undone in reverse order. */
type Cleanups = (() => Promise<void>)[];

/** moto and the region apps, started in parallel: they are the slow part (interpreters). */
async function startProcesses(
  layout: Layout,
  launch: Launch,
  port: () => Promise<number>,
  requestLogs: Record<string, string>,
  cleanups: Cleanups,
) {
  const { log, timing, options } = launch;
  log(`starting moto and ${layout.regions.length} region apps (${layout.world} world)`);
  const latencyBySource: Record<string, Record<string, number>> = {};
  const vantageBySource: Record<string, string> = {};
  for (const v of layout.vantages) {
    if (!v.address) continue;
    vantageBySource[v.address] = v.name;
    for (const [region, ms] of Object.entries(v.latencyMs)) latencyBySource[region] = { ...latencyBySource[region], [v.address]: ms };
  }
  const motoPromise = startMoto({ port: await port() });
  const appPromises = layout.regions.map((a) =>
    spawnRegionApp(
      {
        region: a.name,
        version: options.version ?? '1.0.0',
        host: a.address,
        publicPort: a.port,
        adminSocket: a.adminSocket,
        peers: layout.regions.filter((b) => b.name !== a.name).map((b) => ({ region: b.name, adminUrl: b.adminUrl })),
        replicationLagMs: timing.replicationLagMs,
        latencyBySource: latencyBySource[a.name] ?? {},
        vantageBySource,
        requestLog: requestLogs[a.name] ?? '',
        ...(a.network ? { network: a.network } : {}),
        // The app stays here; its public listener is made inside its namespace, and it answers operators on loopback.
        ...(a.netns ? { netns: a.netns, directPort: a.directPort } : {}),
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
  return { moto, apps };
}

/**
 * Route 53's data plane: the engine (health checkers probing from their own namespace in the netns world), the name
 * server (on the hub's resolver address, or loopback), and the loopback world's vantage proxies.
 */
async function startDataPlane(
  layout: Layout,
  launch: Launch,
  moto: MotoServer,
  provisioned: ProvisionResult,
  groundTruth: GroundTruthLog,
  port: () => Promise<number>,
  cleanups: Cleanups,
) {
  const { log, timing } = launch;
  const checker = layout.plan?.places.find((p) => p.kind === 'checker');
  const agent = checker ? await startNetnsAgent(checker.netns) : undefined;
  if (agent) cleanups.push(() => agent.stop());
  const engine = new Route53Engine({
    motoUrl: moto.url,
    hostedZoneId: provisioned.hostedZoneId,
    regions: layout.regions.map((a) => ({
      name: a.name,
      // Health checkers probe where clients connect: through the namespaces' network when there is one.
      endpoint: a.networkEndpoint ?? a.endpoint,
      healthCheckId: provisioned.regions[a.name]?.healthCheckId ?? '',
      target: regionTarget(a.name),
    })),
    vantages: layout.vantages.map((v) => ({ name: v.name, addresses: [v.resolverIp], latencyMs: v.latencyMs })),
    timing,
    groundTruth,
    log,
    ...(agent ? { probe: (region, timeoutMs) => agent.probe(region.endpoint, timeoutMs) } : {}),
  });
  cleanups.push(() => engine.stop());
  await engine.start();
  let sockets: DnsSockets;
  if (layout.plan) {
    const hubAgent = await startNetnsAgent(layout.plan.hub);
    sockets = await hubAgent.bindDns(layout.plan.dnsAddress, 53).finally(() => hubAgent.stop());
  } else sockets = await bindDnsSockets('127.0.0.1', await port());
  const dns = new DnsServer({ engine, zone: ZONE_NAME, sockets, groundTruth, log });
  dns.start();
  cleanups.push(() => dns.stop());
  const proxied = layout.vantages.flatMap((v) =>
    v.port === undefined ? [] : [{ name: v.name, addresses: [v.resolverIp], latencyMs: v.latencyMs, port: v.port }],
  );
  if (proxied.length > 0) {
    const proxies = new VantageProxies({
      engine,
      recordName: provisioned.recordName,
      regions: layout.regions,
      vantages: proxied,
      dnsTtlMs: timing.dnsTtlMs,
      groundTruth,
      log,
    });
    cleanups.push(() => proxies.stop());
    await proxies.start();
  }
  return { engine, dns };
}

/** The FIS executor, the Route 53 API in front of moto, and the metrics publisher. */
async function startControlPlane(
  layout: Layout,
  launch: Launch,
  moto: MotoServer,
  engine: Route53Engine,
  groundTruth: GroundTruthLog,
  port: () => Promise<number>,
  cleanups: Cleanups,
) {
  const { log, options } = launch;
  const executorRegions = layout.regions.map((a) => ({
    name: a.name,
    adminUrl: a.adminUrl,
    arn: regionArn(a.name),
    tags: regionTags(a.name),
  }));
  const fis = new FisExecutor({ motoUrl: moto.url, regions: executorRegions, groundTruth, log, pollMs: options.fisPollMs ?? 200 });
  cleanups.push(() => fis.stop());
  const api: Route53Api = await startRoute53Api({
    port: await port(),
    motoUrl: moto.url,
    engine,
    onStopExperiment: (id) => fis.experimentStopped(id),
    onDeleteExperimentTemplate: (id) => fis.templateDeleted(id),
    viewExperiment: (id, body) => experimentView(body, fis.executed(id)),
  });
  cleanups.push(() => api.stop());
  fis.start();
  // Due schedules (the dead man's switch crosswind leaves in AWS) fire as AWS would fire them.
  const schedules = new ScheduleExecutor({ schedulerUrl: moto.url, route53Url: api.url, groundTruth, log });
  cleanups.push(() => schedules.stop());
  schedules.start();
  const metricsIntervalMs = options.metricsIntervalMs ?? 2000;
  if (metricsIntervalMs > 0) {
    const metrics = new MetricsPublisher({
      motoUrl: moto.url,
      regions: layout.regions.map((a) => ({ name: a.name, adminUrl: a.adminUrl, healthCheckId: engine.regionHealthCheck(a.name) })),
      health: (id) => engine.health(id),
      intervalMs: metricsIntervalMs,
      log,
    });
    cleanups.push(() => metrics.stop());
    metrics.start();
  }
  return { fis, api, metricsIntervalMs };
}

/**
 * `crosswind` as an ECS task runs it (the runner image's entry point): the executable given, else this installation's
 * own (the compiled bin of the installed package, or the sources through tsx).
 */
function crosswindEntry(executable: string | undefined): { command: string; args: string[] } {
  if (executable) return { command: executable, args: [] };
  return { command: process.execPath, args: nodeEntryArgs('../cli/bin', import.meta.url) };
}

/**
 * Remote runners: their resources in moto (clusters, task definition, a subnet per vantage, the results bucket), the
 * S3 and time endpoints a task reaches, and the executor that runs the tasks moto records.
 */
async function startRunners(
  layout: Layout,
  launch: Launch,
  moto: MotoServer,
  provisioning: Promise<RunnerProvision>,
  groundTruth: GroundTruthLog,
  port: () => Promise<number>,
  cleanups: Cleanups,
) {
  const { log, options } = launch;
  const regions = layout.regions.map((r) => r.name);
  const provisioned = await provisioning;
  const endpoints = await startRunnerEndpoints({ motoPort: moto.port, port, ...(layout.plan ? { hub: layout.plan.hub } : {}) });
  cleanups.push(() => endpoints.stop());
  const k6 = options.k6 ?? process.env.CROSSWIND_K6;
  const ecs = new EcsExecutor({
    motoUrl: moto.url,
    regions,
    cluster: provisioned.cluster,
    places: layout.vantages.map((v) => ({
      vantage: v.name,
      region: v.nearestRegion,
      subnetId: provisioned.placements[v.name]?.subnetId ?? '',
      ...(v.netns ? { netns: v.netns } : {}),
    })),
    entry: crosswindEntry(options.crosswind),
    env: { AWS_ENDPOINT_URL_S3: endpoints.s3, ...(k6 ? { CROSSWIND_K6: k6 } : {}) },
    metadata: { url: endpoints.metadata, tasks: endpoints.tasks },
    logDir: join(dirname(launch.groundTruthPath), 'tasks'),
    groundTruth,
    log,
  });
  cleanups.push(() => ecs.stop());
  ecs.start();
  return { ecs, provisioned, endpoints };
}

/** The FIS target ARN that names a region app (an ECS task ARN). */
function regionArn(region: string): string {
  return `arn:aws:ecs:${region}:${SANDBOX_ACCOUNT_ID}:task/crosswind-sandbox/${region.replaceAll('-', '')}app0001`;
}

/** One attempt at starting everything; whatever it started is stopped again if a step fails. */
async function launchSandbox(launch: Launch): Promise<SandboxHandle> {
  const { started, log, regions, timing, vantageSpecs, stateFile, groundTruthPath, options } = launch;
  await rm(groundTruthPath, { force: true });
  const groundTruth = new GroundTruthLog(groundTruthPath);
  const requestLogs = Object.fromEntries(regions.map((r) => [r, join(dirname(groundTruthPath), `requests-${r}.jsonl`)]));
  for (const file of Object.values(requestLogs)) await rm(file, { force: true });
  const cleanups: Cleanups = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    cleanups.length = 0;
  };
  try {
    const port = options.portSource ?? freePort;
    const layout = await prepareLayout({
      choice: options.world ?? 'loopback',
      stateFile,
      regions,
      vantages: vantageSpecs,
      recordName: `app.${ZONE_NAME}`,
      port,
      log,
    });
    cleanups.push(() => layout.teardown());
    const { moto, apps } = await startProcesses(layout, launch, port, requestLogs, cleanups);
    log(`moto at ${moto.url}; region apps up after ${Date.now() - started} ms`);
    // The runners' resources load moto's ECS, EC2 and S3 (seconds on a busy machine): alongside everything else.
    const runnerResources = provisionRunners(
      moto.url,
      layout.regions.map((r) => r.name),
      layout.vantages.map((v) => ({ name: v.name, region: v.nearestRegion })),
    );
    runnerResources.catch(() => {});
    const provisioned = await provision(
      moto.url,
      layout.regions.map((a) => ({ name: a.name, port: a.port, arn: regionArn(a.name), address: a.address })),
      { failureThreshold: timing.failureThreshold, ttlSeconds: Math.ceil(timing.dnsTtlMs / 1000) },
    );
    log(`provisioned hosted zone ${provisioned.hostedZoneId} after ${Date.now() - started} ms`);
    const { engine, dns } = await startDataPlane(layout, launch, moto, provisioned, groundTruth, port, cleanups);
    const { fis, api, metricsIntervalMs } = await startControlPlane(layout, launch, moto, engine, groundTruth, port, cleanups);
    const runners = await startRunners(layout, launch, moto, runnerResources, groundTruth, port, cleanups);
    const state = sandboxState({ launch, layout, moto, api, dns, apps, provisioned, requestLogs, metricsIntervalMs, runners });
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
      ecs: runners.ecs,
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

interface StateParts {
  launch: Launch;
  layout: Layout;
  moto: MotoServer;
  api: Route53Api;
  dns: DnsServer;
  apps: RegionProcess[];
  provisioned: ProvisionResult;
  requestLogs: Record<string, string>;
  metricsIntervalMs: number;
  runners: { provisioned: RunnerProvision; endpoints: RunnerEndpoints };
}

/** The state file's content: what other processes need to use this sandbox. */
function sandboxState({
  launch,
  layout,
  moto,
  api,
  dns,
  apps,
  provisioned,
  requestLogs,
  metricsIntervalMs,
  runners,
}: StateParts): SandboxState {
  return {
    version: 1,
    startedAt: launch.started,
    supervisorPid: process.pid,
    world: layout.world,
    moto: { url: moto.url, pid: moto.pid },
    aws: {
      accountId: SANDBOX_ACCOUNT_ID,
      controlRegion: 'us-east-1',
      credentials: { ...SANDBOX_CREDENTIALS },
      endpoints: { route53: api.url, fis: api.url, cloudwatch: moto.url, sts: moto.url, ecs: moto.url, s3: moto.url, scheduler: moto.url },
    },
    route53: {
      hostedZoneId: provisioned.hostedZoneId,
      zoneName: ZONE_NAME,
      recordName: provisioned.recordName,
      latencyRecordName: provisioned.latencyRecordName,
      weightedRecordName: provisioned.weightedRecordName,
      failoverRecordName: provisioned.failoverRecordName,
    },
    regions: layout.regions.map((a, i) => ({
      name: a.name,
      endpoint: a.endpoint,
      adminUrl: a.adminUrl,
      pid: apps[i]?.pid ?? 0,
      arn: regionArn(a.name),
      tags: regionTags(a.name),
      healthCheckId: provisioned.regions[a.name]?.healthCheckId ?? '',
      setIdentifier: a.name,
      target: regionTarget(a.name),
      address: a.address,
      ...(a.netns ? { netns: a.netns, networkEndpoint: a.networkEndpoint ?? '' } : {}),
      requestLog: requestLogs[a.name] ?? '',
      experimentTemplates: provisioned.regions[a.name]?.experimentTemplates ?? {},
      alarms: provisioned.regions[a.name]?.alarms ?? [],
      loadBalancer: loadBalancerName(a.name),
    })),
    vantages: layout.vantages.map((v) => ({
      name: v.name,
      endpoint: v.endpoint,
      nearestRegion: v.nearestRegion,
      latencyMs: v.latencyMs,
      resolverIp: v.resolverIp,
      ...(v.netns ? { netns: v.netns, address: v.address ?? '' } : {}),
      subnetId: runners.provisioned.placements[v.name]?.subnetId ?? '',
    })),
    runners: runnersState(runners),
    dns: { host: dns.address.host, port: dns.address.port },
    runtimeDir: layout.runtimeDir,
    ...(layout.plan
      ? { network: { id: layout.id, hub: layout.plan.hub, namespaces: [layout.plan.hub, ...layout.plan.places.map((p) => p.netns)] } }
      : {}),
    groundTruthLog: launch.groundTruthPath,
    metrics: { intervalMs: metricsIntervalMs, tableName: TABLE_NAME },
    timing: launch.timing,
    ports: [
      moto.port,
      api.port,
      ...(layout.plan ? [] : [dns.address.port]),
      ...layout.regions.map((a) => a.directPort ?? a.port),
      ...layout.vantages.flatMap((v) => (v.port === undefined ? [] : [v.port])),
    ],
  };
}

/** The state's `runners`: what a config needs to put vantages on ECS, and what a task reaches. */
function runnersState({ provisioned, endpoints }: StateParts['runners']): SandboxState['runners'] {
  return {
    bucket: provisioned.bucket,
    bucketRegion: 'us-east-1',
    cluster: provisioned.cluster,
    taskDefinition: provisioned.taskDefinition,
    container: provisioned.container,
    taskRoleArn: provisioned.taskRoleArn,
    timeServer: endpoints.timeServer,
    s3Endpoint: endpoints.s3,
    placements: provisioned.placements,
  };
}
