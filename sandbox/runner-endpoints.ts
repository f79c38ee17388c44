import { createSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { type IpRunner, runIp } from './netns.ts';
import { startNetnsAgent } from './netns-agent.ts';
import { serveTime } from './time-server.ts';

// What an ECS task in AWS reaches without thinking about it: S3 (through a VPC endpoint or a NAT gateway) and the
// Amazon Time Sync Service. In the namespace world both answer at one address on the hub, so a runner inside a
// vantage's namespace reaches them the way a Fargate task in its subnet would: S3 is a TCP relay to moto (which
// stays on loopback), time is an SNTP server on the sandbox's clock. In the loopback world both are on 127.0.0.1.

/** The hub address of the sandbox's AWS endpoints for tasks (namespace world). */
export const TASK_ENDPOINTS_ADDRESS = '10.77.0.44';

export interface RunnerEndpoints {
  /** `AWS_ENDPOINT_URL_S3` for a task. */
  s3: string;
  /** The NTP server (`host:port`) a task measures its clock against. */
  timeServer: string;
  stop(): Promise<void>;
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
  let udp: ReturnType<typeof createSocket>;
  let host: string;
  let s3Port: number;
  let ntpPort: number;
  if (o.hub) {
    host = TASK_ENDPOINTS_ADDRESS;
    await (o.ip ?? runIp)(['-n', o.hub, 'address', 'replace', `${host}/32`, 'dev', 'lo']);
    const agent = await startNetnsAgent(o.hub);
    try {
      [s3Port, ntpPort] = [80, 123];
      tcp = await agent.bindTcp(host, s3Port);
      udp = await agent.bindUdp(host, ntpPort);
    } finally {
      await agent.stop();
    }
  } else {
    host = '127.0.0.1';
    [s3Port, ntpPort] = [await o.port(), await o.port()];
    tcp = createServer();
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(s3Port, host, () => resolve());
    });
    udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(ntpPort, host, () => resolve());
    });
  }
  const relay = relayTo(tcp, o.motoPort);
  const time = serveTime(udp);
  return {
    s3: `http://${host}:${s3Port}`,
    timeServer: `${host}:${ntpPort}`,
    async stop() {
      await Promise.all([relay.stop(), time.stop()]);
    },
  };
}
