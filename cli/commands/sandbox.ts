import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { GetHealthCheckStatusCommand, Route53Client, TestDNSAnswerCommand } from '@aws-sdk/client-route-53';
import type { Command } from 'commander';
import { healthyFromObservations } from '../../chaos/health.ts';
import { processAlive } from '../../core/child-process.ts';
import { ConfigError, type ConfigProblem, InfrastructureError } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { poll } from '../../core/poll.ts';
import { removeNetwork } from '../../sandbox/netns.ts';
import { isListening } from '../../sandbox/ports.ts';
import { adminState, clearFault, setFault, setVersion } from '../../sandbox/region-app/admin-client.ts';
import type { FaultSet } from '../../sandbox/region-app/faults.ts';
import { DEFAULT_REGIONS, type SandboxHandle, type StartSandboxOptions, startSandbox } from '../../sandbox/sandbox.ts';
import { DEFAULT_STATE_FILE, readSandboxState, type SandboxState } from '../../sandbox/state.ts';
import type { WorldChoice } from '../../sandbox/world.ts';
import { listFlag, numberFlag } from '../flags.ts';

/** Renders rows as aligned columns. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The endpoints table `sandbox up` prints. */
export function endpointsTable(state: SandboxState): string {
  const regions = table([
    ['REGION', 'ENDPOINT', 'NAMESPACE', 'HEALTH CHECK', 'FIS TARGET ARN'],
    ...state.regions.map((r) => [r.name, r.endpoint, r.netns ?? '-', r.healthCheckId, r.arn]),
  ]);
  const vantages = table([
    ['VANTAGE', 'ENDPOINT', 'NAMESPACE', 'ADDRESS', 'NEAREST', 'LATENCY (ms)'],
    ...state.vantages.map((v) => [
      v.name,
      v.endpoint,
      v.netns ?? '-',
      v.address ?? v.resolverIp,
      v.nearestRegion,
      Object.entries(v.latencyMs)
        .map(([r, ms]) => `${r}=${ms}`)
        .join(' '),
    ]),
  ]);
  const aws = table([
    ['AWS', 'ENDPOINT'],
    ['route53', state.aws.endpoints.route53],
    ['fis', state.aws.endpoints.fis],
    ['cloudwatch', state.aws.endpoints.cloudwatch],
    ['sts', state.aws.endpoints.sts],
    ['moto', state.moto.url],
  ]);
  const world =
    state.world === 'netns'
      ? `network namespaces (run a client at a vantage with: ip netns exec <namespace> <command>); name server ${state.dns.host}`
      : `loopback (vantages are HTTP proxies); name server ${state.dns.host}:${state.dns.port}`;
  return `${regions}\n\n${vantages}\n\n${aws}\n\nworld: ${world}\nhosted zone ${state.route53.hostedZoneId}, global name ${state.route53.recordName}\nground truth: ${state.groundTruthLog}`;
}

function regionOf(state: SandboxState, name: string) {
  const region = state.regions.find((r) => r.name === name);
  if (!region)
    throw new ConfigError([{ path: '--region', message: `expected one of ${state.regions.map((r) => r.name).join(', ')}, got "${name}"` }]);
  return region;
}

/** Waits until every process of the sandbox has exited and every port is free; returns what is left at the deadline. */
async function waitGone(state: SandboxState, deadlineMs: number): Promise<{ pids: number[]; ports: number[] }> {
  const pids = [state.supervisorPid, state.moto.pid, ...state.regions.map((r) => r.pid)];
  const left = async () => {
    const busy: number[] = [];
    for (const p of state.ports) if (await isListening(p)) busy.push(p);
    return { pids: pids.filter(processAlive), ports: busy };
  };
  const polled = await poll(left, (l) => l.pids.length === 0 && l.ports.length === 0, {
    resource: 'the sandbox to stop',
    intervalMs: 100,
    deadlineMs,
  });
  return polled.value;
}

interface UpFlags {
  regions: string;
  vantages?: string;
  state: string;
  healthIntervalMs?: string;
  failureThreshold?: string;
  dnsTtlMs?: string;
  replicationLagMs?: string;
  appVersion: string;
  world: string;
}

/** `sandbox up`'s flags checked: every problem at once (exit 2), before anything starts. */
function upOptions(o: UpFlags): StartSandboxOptions & { stateFile: string } {
  const problems: ConfigProblem[] = [];
  if (!['netns', 'loopback', 'auto'].includes(o.world))
    problems.push({ path: '--world', message: `expected netns, loopback or auto, got "${o.world}"` });
  const timing = {
    healthIntervalMs: numberFlag(problems, '--health-interval-ms', o.healthIntervalMs, 50),
    failureThreshold: numberFlag(problems, '--failure-threshold', o.failureThreshold, 1, 10),
    dnsTtlMs: numberFlag(problems, '--dns-ttl-ms', o.dnsTtlMs),
    replicationLagMs: numberFlag(problems, '--replication-lag-ms', o.replicationLagMs),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    regions: listFlag(o.regions),
    ...(o.vantages ? { vantages: listFlag(o.vantages) } : {}),
    stateFile: resolve(o.state),
    timing: Object.fromEntries(Object.entries(timing).filter(([, v]) => v !== undefined)),
    version: o.appVersion,
    world: o.world as WorldChoice,
  };
}

/** Refuses to start a second sandbox over the state file of one whose supervisor still runs. */
async function refuseRunning(stateFile: string): Promise<void> {
  if (!existsSync(stateFile)) return;
  const previous = await readSandboxState(stateFile).catch(() => undefined);
  if (previous && processAlive(previous.supervisorPid)) {
    throw new ConfigError([
      {
        path: '--state',
        message: `a sandbox is already running (pid ${previous.supervisorPid}, ${stateFile}); run 'crosswind sandbox down' first`,
      },
    ]);
  }
}

/** Stops the sandbox on the first SIGINT, SIGTERM or SIGHUP (a closed terminal must not leave it unsupervised). */
function stopOnSignal(handle: SandboxHandle, io: CliIo): Promise<void> {
  return new Promise<void>((done) => {
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const stop = (signal: NodeJS.Signals) => {
      io.err(`${signal}: stopping the sandbox`);
      for (const s of signals) process.off(s, stop);
      handle.stop().then(done, done);
    };
    for (const s of signals) process.on(s, stop);
  });
}

function registerUp(sandbox: Command, io: CliIo): void {
  sandbox
    .command('up')
    .description('start the sandbox on free loopback ports, write the state file, stay in the foreground (Ctrl-C stops it)')
    .option('--regions <list>', 'comma-separated AWS regions', DEFAULT_REGIONS.join(','))
    .option('--vantages <list>', 'comma-separated vantages (vantage-us-east, vantage-us-west, vantage-eu, vantage-ap, ... or name@region)')
    .option('--state <file>', 'state file', DEFAULT_STATE_FILE)
    .option('--health-interval-ms <ms>', 'health check interval')
    .option('--failure-threshold <n>', 'consecutive failures before a region is unhealthy')
    .option('--dns-ttl-ms <ms>', 'how long each vantage caches its answer')
    .option('--replication-lag-ms <ms>', 'cross-region replication delay')
    .option('--app-version <version>', 'version the region apps start with', '1.0.0')
    .option('--world <world>', 'netns (a network namespace per region and vantage; Linux, root), loopback, or auto', 'auto')
    .action(async (o: UpFlags) => {
      const options = upOptions(o);
      await refuseRunning(options.stateFile);
      const handle = await startSandbox({ ...options, log: (line) => io.err(line) });
      io.out(endpointsTable(handle.state));
      io.out(`\nstate: ${options.stateFile}\nsandbox ready in ${handle.readyMs} ms; Ctrl-C or 'crosswind sandbox down' stops it`);
      await stopOnSignal(handle, io);
      io.err('sandbox stopped');
    });
}

function registerDown(sandbox: Command, io: CliIo): void {
  sandbox
    .command('down')
    .description('stop a running sandbox and wait until its processes are gone and its ports are free')
    .option('--state <file>', 'state file', DEFAULT_STATE_FILE)
    .option('--timeout-ms <ms>', 'how long to wait before killing what is left', '15000')
    .action(async (o: { state: string; timeoutMs: string }) => {
      const problems: ConfigProblem[] = [];
      const timeoutMs = numberFlag(problems, '--timeout-ms', o.timeoutMs, 100) ?? 15_000;
      if (problems.length > 0) throw new ConfigError(problems);
      const stateFile = resolve(o.state);
      if (!existsSync(stateFile)) {
        io.err(`no sandbox state at ${stateFile}: nothing to stop`);
        return;
      }
      const state = await readSandboxState(stateFile);
      if (processAlive(state.supervisorPid)) process.kill(state.supervisorPid, 'SIGTERM');
      let left = await waitGone(state, timeoutMs);
      if (left.pids.length > 0) {
        // The supervisor did not finish in time: end the sandbox's own processes (and only those) by id.
        for (const pid of left.pids) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
        left = await waitGone(state, 5000);
      }
      await rm(stateFile, { force: true });
      // A supervisor that was killed could not remove its namespaces: they go here, by the instance's own names.
      const namespaces = state.network ? await removeNetwork(state.network.id) : [];
      await rm(state.runtimeDir, { recursive: true, force: true });
      if (left.pids.length > 0 || left.ports.length > 0) {
        throw new InfrastructureError(
          `sandbox not fully stopped: processes ${left.pids.join(', ') || 'none'}, ports ${left.ports.join(', ') || 'none'}`,
        );
      }
      const removed = namespaces.length > 0 ? `, ${namespaces.length} namespaces left by the supervisor removed` : '';
      io.err(`sandbox stopped: ${state.regions.length + 2} processes gone, ${state.ports.length} ports free${removed}`);
    });
}

/** Each region's health as Route 53 reports it (GetHealthCheckStatus), its version and its faults. */
async function regionRows(state: SandboxState, route53: Route53Client): Promise<string[][]> {
  const rows = [['REGION', 'HEALTH CHECK', 'VERSION', 'FAULTS']];
  for (const r of state.regions) {
    const hc = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: r.healthCheckId }));
    const observations = hc.HealthCheckObservations ?? [];
    const verdict = healthyFromObservations(observations.map((x) => x.StatusReport?.Status)) ? 'healthy' : 'unhealthy';
    const admin = (await adminState(r.adminUrl).catch(() => undefined)) as
      | { version?: { version?: string }; faults?: Record<string, unknown> }
      | undefined;
    const faults = Object.entries(admin?.faults ?? {})
      .filter(([, v]) => v !== false && v !== 0 && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
      .join(' ');
    rows.push([
      r.name,
      `${verdict} (${observations[0]?.StatusReport?.Status ?? 'no observation'})`,
      admin?.version?.version ?? '?',
      faults || '-',
    ]);
  }
  return rows;
}

/** Where each vantage is routed now (TestDNSAnswer from its resolver address). */
async function vantageRows(state: SandboxState, route53: Route53Client): Promise<string[][]> {
  const rows = [['VANTAGE', 'ANSWER', 'REGION']];
  for (const v of state.vantages) {
    const answer = await route53.send(
      new TestDNSAnswerCommand({
        HostedZoneId: state.route53.hostedZoneId,
        RecordName: state.route53.recordName,
        RecordType: 'CNAME',
        ResolverIP: v.resolverIp,
      }),
    );
    const last = answer.RecordData?.at(-1) ?? '';
    rows.push([v.name, (answer.RecordData ?? []).join(' -> '), state.regions.find((r) => last.startsWith(`${r.name}.`))?.name ?? '?']);
  }
  return rows;
}

function registerStatus(sandbox: Command, io: CliIo): void {
  sandbox
    .command('status')
    .description("show every region's health (GetHealthCheckStatus), version and faults, and where each vantage is routed (TestDNSAnswer)")
    .option('--state <file>', 'state file', DEFAULT_STATE_FILE)
    .action(async (o: { state: string }) => {
      const state = await readSandboxState(o.state);
      const route53 = new Route53Client({
        region: state.aws.controlRegion,
        endpoint: state.aws.endpoints.route53,
        credentials: { ...state.aws.credentials },
        maxAttempts: 2,
      });
      try {
        io.out(`${table(await regionRows(state, route53))}\n\n${table(await vantageRows(state, route53))}`);
      } finally {
        route53.destroy();
      }
    });
}

function registerDeploy(sandbox: Command, io: CliIo): void {
  sandbox
    .command('deploy')
    .description("deploy a version to one region app (a rollout's deploy hook)")
    .requiredOption('--region <name>', 'region to deploy to')
    .requiredOption('--version <version>', 'version to deploy')
    .option('--added-latency-ms <ms>', 'this version answers slower by this much')
    .option('--error-rate <fraction>', 'this version fails this share of requests, /health excepted (0..1)')
    .option('--state <file>', 'state file', DEFAULT_STATE_FILE)
    .action(async (o: { region: string; version: string; addedLatencyMs?: string; errorRate?: string; state: string }) => {
      const problems: ConfigProblem[] = [];
      const addedLatencyMs = numberFlag(problems, '--added-latency-ms', o.addedLatencyMs);
      const errorRate = numberFlag(problems, '--error-rate', o.errorRate, 0, 1);
      if (o.version.trim() === '') problems.push({ path: '--version', message: 'expected a non-empty version' });
      if (problems.length > 0) throw new ConfigError(problems);
      const state = await readSandboxState(o.state);
      const region = regionOf(state, o.region);
      await setVersion(region.adminUrl, { version: o.version, addedLatencyMs: addedLatencyMs ?? 0, errorRate: errorRate ?? 0 });
      io.err(`${region.name}: deployed ${o.version}`);
    });
}

interface FaultFlags {
  region: string;
  dependencyDown?: string;
  latencyMs?: string;
  errorRate?: string;
  replicationPaused?: boolean;
  stop?: boolean;
  unreachable?: boolean;
  clear?: boolean;
  state: string;
}

/** `sandbox fault`'s flags as a fault set: every problem at once (exit 2). */
function faultFromFlags(o: FaultFlags): FaultSet {
  const problems: ConfigProblem[] = [];
  const fault: FaultSet = {};
  if (o.dependencyDown) {
    fault.dependenciesDown = listFlag(o.dependencyDown);
    for (const d of fault.dependenciesDown) {
      if (!['database', 'cache', 'downstream'].includes(d))
        problems.push({ path: '--dependency-down', message: `expected database, cache or downstream, got "${d}"` });
    }
  }
  const latency = numberFlag(problems, '--latency-ms', o.latencyMs);
  if (latency !== undefined) fault.addedLatencyMs = latency;
  const errorRate = numberFlag(problems, '--error-rate', o.errorRate, 0, 1);
  if (errorRate !== undefined) fault.errorRate = errorRate;
  if (o.replicationPaused) fault.replicationPaused = true;
  if (o.stop) fault.stopped = true;
  if (o.unreachable) fault.unreachable = true;
  if (!o.clear && Object.keys(fault).length === 0)
    problems.push({ path: 'fault', message: 'expected at least one fault flag, or --clear' });
  if (problems.length > 0) throw new ConfigError(problems);
  return fault;
}

function registerFault(sandbox: Command, io: CliIo): void {
  sandbox
    .command('fault')
    .description('set or clear a manual fault on one region app')
    .requiredOption('--region <name>', 'region')
    .option('--dependency-down <list>', 'dependencies to report down: database, cache, downstream')
    .option('--latency-ms <ms>', 'added latency')
    .option('--error-rate <fraction>', 'share of requests answered 500, /health excepted (0..1)')
    .option('--replication-paused', 'hold replication to and from this region')
    .option('--stop', 'hard stop: the public port refuses connections')
    .option('--unreachable', 'the public port accepts connections and never answers')
    .option('--clear', 'remove the manual fault')
    .option('--state <file>', 'state file', DEFAULT_STATE_FILE)
    .action(async (o: FaultFlags) => {
      const fault = faultFromFlags(o);
      const state = await readSandboxState(o.state);
      const region = regionOf(state, o.region);
      if (o.clear) await clearFault(region.adminUrl, 'manual');
      else await setFault(region.adminUrl, 'manual', fault);
      io.err(`${region.name}: ${o.clear ? 'manual fault cleared' : `fault ${JSON.stringify(fault)}`}`);
    });
}

/** `crosswind sandbox up|down|status|deploy|fault`: the local multi-region world. */
export function register(command: Command, io: CliIo): void {
  registerUp(command, io);
  registerDown(command, io);
  registerStatus(command, io);
  registerDeploy(command, io);
  registerFault(command, io);
}
