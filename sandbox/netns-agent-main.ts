// Child-process entry of a namespace agent, started inside a network namespace (`ip netns exec NS node ...`). It does
// for the sandbox what needs to happen from inside that namespace: binds the DNS server's UDP and TCP sockets and
// hands them over (the sockets stay in the namespace they were made in), and probes region apps' /health as a Route
// 53 health checker placed there would. It leaves when the sandbox closes the channel.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { probeHealth } from './route53-engine.ts';

type Request =
  | { id: number; op: 'bind'; host: string; port: number }
  | { id: number; op: 'bind-tcp'; host: string; port: number }
  | { id: number; op: 'bind-udp'; host: string; port: number }
  | { id: number; op: 'probe'; endpoint: string; timeoutMs: number };

const send = (message: unknown, handle?: unknown) =>
  new Promise<void>((resolve) => (process.send as (m: unknown, h?: unknown, cb?: () => void) => void)(message, handle, () => resolve()));

async function bind(id: number, host: string, port: number): Promise<void> {
  const tcp = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  const udp = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => resolve());
  });
  await send({ id, part: 'tcp' }, tcp);
  await send({ id, part: 'udp' }, udp);
  // The sandbox holds its own copies now: this process's may go.
  tcp.close();
  udp.close();
}

async function bindTcp(id: number, host: string, port: number): Promise<void> {
  const tcp = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  await send({ id, part: 'tcp' }, tcp);
  tcp.close();
}

async function bindUdp(id: number, host: string, port: number): Promise<void> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => resolve());
  });
  await send({ id, part: 'udp' }, udp);
  udp.close();
}

process.on('message', (m: Request) => {
  const work =
    m.op === 'bind'
      ? bind(m.id, m.host, m.port)
      : m.op === 'bind-tcp'
        ? bindTcp(m.id, m.host, m.port)
        : m.op === 'bind-udp'
          ? bindUdp(m.id, m.host, m.port)
          : probeHealth(m.endpoint, m.timeoutMs).then((r) => send({ id: m.id, result: r }));
  work.catch((err: unknown) => send({ id: m.id, error: (err as Error).message }));
});
process.on('disconnect', () => process.exit(0));
void send({ ready: true });
