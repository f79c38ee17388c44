import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type IpRunner, runIp } from './netns.ts';
import { startNetnsAgent } from './netns-agent.ts';
import { serveTime } from './time-server.ts';

// What an ECS task in AWS reaches without thinking about it: S3 (through a VPC endpoint or a NAT gateway), the
// Amazon Time Sync Service, and the task metadata endpoint (v4) that tells a container which task it is. In the
// namespace world all answer at one address on the hub, so a runner inside a vantage's namespace reaches them the way
// a Fargate task in its subnet would: S3 is a TCP relay to moto (which stays on loopback), time is an SNTP server on
// the sandbox's clock, metadata is served from what the ECS executor knows of each task it started. In the loopback
// world all are on 127.0.0.1.

/** The hub address of the sandbox's AWS endpoints for tasks (namespace world). */
export const TASK_ENDPOINTS_ADDRESS = '10.77.0.44';

/**
 * What the task metadata endpoint answers at `<ECS_CONTAINER_METADATA_URI_V4>/task`: the fields of ECS's document a
 * runner reads.
 * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html
 */
export interface TaskMetadata {
  Cluster: string;
  TaskARN: string;
  Family: string;
  Revision: string;
  LaunchType: string;
  AvailabilityZone?: string;
}

export interface RunnerEndpoints {
  /** `AWS_ENDPOINT_URL_S3` for a task. */
  s3: string;
  /** The NTP server (`host:port`) a task measures its clock against. */
  timeServer: string;
  /** The task metadata endpoint's base: a task's `ECS_CONTAINER_METADATA_URI_V4` is `<metadata>/v4/<task id>`. */
  metadata: string;
  /** The tasks the metadata endpoint answers for, by task id: the ECS executor adds each task it starts. */
  tasks: Map<string, TaskMetadata>;
  stop(): Promise<void>;
}

/** Answers `GET /v4/<task id>/task` from `tasks`, as ECS's agent does for the container's own task; 404 otherwise. */
function metadataHandler(tasks: Map<string, TaskMetadata>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const id = /^\/v4\/([^/]+)\/task$/.exec(req.url ?? '')?.[1];
    const task = req.method === 'GET' && id ? tasks.get(id) : undefined;
    if (!task) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(task));
  };
}

/** Relays every connection to moto on loopback. */
function relayTo(server: Server, port: number): { stop(): Promise<void> } {
  const open = new Set<Socket>();
  server.on('connection', (client) => {
    const upstream = connect(port, '127.0.0.1');
    open.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts the endpoints: on the hub of a namespace world (`hub` given), or on loopback ports. `motoPort` is where S3
 * really answers.
 */
export async function startRunnerEndpoints(o: {
  motoPort: number;
  hub?: string;
  port: () => Promise<number>;
  ip?: IpRunner;
}): Promise<RunnerEndpoints> {
  let tcp: Server;
  let metadataTcp: Server;
  let udp: ReturnType<typeof createSocket>;
  let host: string;
  let s3Port: number;
  let ntpPort: number;
  let metadataPort: number;
  if (o.hub) {
    host = TASK_ENDPOINTS_ADDRESS;
    await (o.ip ?? runIp)(['-n', o.hub, 'address', 'replace', `${host}/32`, 'dev', 'lo']);
    const agent = await startNetnsAgent(o.hub);
    try {
      [s3Port, ntpPort, metadataPort] = [80, 123, 8080];
      tcp = await agent.bindTcp(host, s3Port);
      metadataTcp = await agent.bindTcp(host, metadataPort);
      udp = await agent.bindUdp(host, ntpPort);
    } finally {
      await agent.stop();
    }
  } else {
    host = '127.0.0.1';
    [s3Port, ntpPort, metadataPort] = [await o.port(), await o.port(), await o.port()];
    [tcp, metadataTcp] = [createServer(), createServer()];
    for (const [server, p] of [
      [tcp, s3Port],
      [metadataTcp, metadataPort],
    ] as const) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, host, () => resolve());
      });
    }
    udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(ntpPort, host, () => resolve());
    });
  }
  const relay = relayTo(tcp, o.motoPort);
  const time = serveTime(udp);
  const tasks = new Map<string, TaskMetadata>();
  // The listening socket may come from the hub's namespace: HTTP is served on the connections it accepts.
  const http = createHttpServer(metadataHandler(tasks));
  metadataTcp.on('connection', (socket) => http.emit('connection', socket));
  return {
    s3: `http://${host}:${s3Port}`,
    timeServer: `${host}:${ntpPort}`,
    metadata: `http://${host}:${metadataPort}`,
    tasks,
    async stop() {
      http.closeAllConnections();
      await Promise.all([relay.stop(), time.stop(), new Promise<void>((resolve) => metadataTcp.close(() => resolve()))]);
    },
  };
}
