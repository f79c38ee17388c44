import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InfrastructureError } from '../core/errors.ts';
import { configFromSandboxState } from './sandbox-config.ts';

/** Where `crosswind sandbox up` writes its state unless told otherwise, relative to the current directory. */
export const DEFAULT_STATE_FILE = '.crosswind/sandbox/state.json';

/** moto's fixed account id: every ARN the sandbox makes carries it. */
export const SANDBOX_ACCOUNT_ID = '123456789012';

/** moto accepts any credentials; these never leave loopback. */
export const SANDBOX_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Scaled-down Route 53 and replication timings (Route 53 itself checks every 10-30 s; DNS TTLs are ~60 s). */
export interface SandboxTiming {
  /** How often the edge checks every region's `/health`, in ms. */
  healthIntervalMs: number;
  /** Consecutive failed (or passed) checks before a region's measured status flips; moto's FailureThreshold wins once provisioned. */
  failureThreshold: number;
  /** A health check that has not answered 2xx/3xx within this many ms failed. */
  healthTimeoutMs: number;
  /** How long each vantage caches its DNS answer, in ms. */
  dnsTtlMs: number;
  /** Delay before a write in one region is applied in the others, in ms. */
  replicationLagMs: number;
}

export interface SandboxRegionState {
  name: string;
  /** The region app's public URL (the regional load balancer). */
  endpoint: string;
  /** The region app's admin URL: fault knobs and version. */
  adminUrl: string;
  pid: number;
  /** The address its load balancer answers at (the A record of `target`). */
  address: string;
  /** The network namespace its public listener is in (netns world). */
  netns?: string;
  /** Where clients and health checkers in the namespaces reach it (netns world); `endpoint` is the loopback way in. */
  networkEndpoint?: string;
  /** JSONL: every request it answered (time, client address and vantage, User-Agent, path, status). */
  requestLog: string;
  /** The FIS target ARN that names this region app (an ECS task ARN). */
  arn: string;
  /** The tags the region app carries, for FIS targets by `resourceTags` (`crosswind:region` names the region). */
  tags: Record<string, string>;
  healthCheckId: string;
  /** `SetIdentifier` of this region's latency, weighted and failover records. */
  setIdentifier: string;
  /** The record value that names this region (`<region>.regions.<zone>`). */
  target: string;
  /** FIS experiment templates provisioned for this region, by action id (e.g. `aws:ecs:stop-task`). */
  experimentTemplates: Record<string, string>;
  /** CloudWatch alarms provisioned for this region. */
  alarms: { name: string; arn: string }[];
  /** `LoadBalancer` dimension of this region's `AWS/ApplicationELB` metrics in moto's CloudWatch. */
  loadBalancer: string;
}

export interface SandboxVantageState {
  name: string;
  /**
   * Where clients at this vantage send requests: the global name (netns world; run them inside `netns`, where it
   * resolves through the sandbox's name server), or this vantage's HTTP proxy on loopback.
   */
  endpoint: string;
  /** The region with the lowest latency from here. */
  nearestRegion: string;
  /** One-way network latency from this vantage to each region, in ms; the edge adds it as delay. */
  latencyMs: Record<string, number>;
  /** The network namespace clients at this vantage run in (`ip netns exec <netns> ...`); netns world only. */
  netns?: string;
  /** Its own address in that namespace. */
  address?: string;
  /** Its subnet (in moto's EC2, in its nearest region): an ECS RunTask naming this subnet runs its task here. */
  subnetId: string;
  /** The resolver address of this vantage: DNS queries from it (and TestDNSAnswer's ResolverIP) are answered for it. */
  resolverIp: string;
}

/** Everything other processes need to use a running sandbox. Written by `crosswind sandbox up`. */
export interface SandboxState {
  version: 1;
  startedAt: number;
  /** The process that owns every other one; `crosswind sandbox down` signals it. */
  supervisorPid: number;
  /** `netns`: namespaces per region and vantage; `loopback`: 127.0.0.1 and vantage proxies (sandbox/README.md). */
  world: 'netns' | 'loopback';
  moto: { url: string; pid: number };
  /** AWS endpoints crosswind uses: Route 53 goes through the edge's API (health status, TestDNSAnswer), the rest to moto. */
  aws: {
    accountId: string;
    controlRegion: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    endpoints: { route53: string; fis: string; cloudwatch: string; sts: string; ecs: string; s3: string; scheduler: string };
  };
  route53: {
    hostedZoneId: string;
    zoneName: string;
    /** The global name users reach; a CNAME to one of the routed record sets below. */
    recordName: string;
    latencyRecordName: string;
    weightedRecordName: string;
    failoverRecordName: string;
  };
  regions: SandboxRegionState[];
  vantages: SandboxVantageState[];
  /**
   * Remote runners: a cluster and the runner's task definition in every region, a subnet per vantage in its nearest
   * region (`placements`), the results bucket, and the S3 endpoint and time server a task reaches.
   */
  runners: {
    bucket: string;
    bucketRegion: string;
    cluster: string;
    taskDefinition: string;
    container: string;
    taskRoleArn: string;
    timeServer: string;
    s3Endpoint: string;
    placements: Record<string, { region: string; subnetId: string; securityGroupId: string }>;
  };
  /** Where the region apps' admin sockets are; removed with the sandbox. */
  runtimeDir: string;
  /** The namespaces this sandbox made (netns world): `sandbox down` removes them if the supervisor could not. */
  network?: { id: string; hub: string; namespaces: string[] };
  /** The hosted zone's authoritative name server (UDP and TCP). */
  dns: { host: string; port: number };
  /** JSONL: every health change, DNS answer, routing change and FIS action start/stop, with ms timestamps. */
  groundTruthLog: string;
  /**
   * Metrics the sandbox publishes into moto's CloudWatch (high resolution): `AWS/ApplicationELB` per region
   * (RequestCount, HTTPCode_Target_2XX/4XX/5XX_Count, TargetResponseTime, HealthyHostCount), `AWS/Route53`
   * HealthCheckStatus and HealthCheckPercentageHealthy in us-east-1, `AWS/DynamoDB` ReplicationLatency and
   * PendingReplicationCount (TableName, ReceivingRegion). intervalMs 0: none.
   */
  metrics: { intervalMs: number; tableName: string };
  timing: SandboxTiming;
  /** Every port the sandbox bound, so `down` can check they are free again. */
  ports: number[];
}

/** Reads a sandbox state file; throws an InfrastructureError naming the file when there is none. */
export async function readSandboxState(file = DEFAULT_STATE_FILE): Promise<SandboxState> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new InfrastructureError(`no sandbox state at ${path}: start one with 'crosswind sandbox up'`);
  }
  const state = JSON.parse(text) as SandboxState;
  if (state.version !== 1) throw new InfrastructureError(`${path}: unknown sandbox state version ${String(state.version)}`);
  return state;
}

/**
 * Writes the state file atomically (write then rename), so a reader never sees half a file. Beside the state it
 * holds `configLayer`: the config fields this sandbox hands crosswind (config/layer.ts reads them as plain JSON).
 */
export async function writeSandboxState(state: SandboxState, file = DEFAULT_STATE_FILE): Promise<string> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ ...state, configLayer: configFromSandboxState(state) }, null, 2)}\n`);
  await rename(tmp, path);
  return path;
}
