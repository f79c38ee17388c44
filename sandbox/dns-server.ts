import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { answerQuestion, answerTtl, responsePacket, type ZoneAnswer } from './dns-answer.ts';
import type { GroundTruthLog } from './ground-truth.ts';
import type { Route53Engine } from './route53-engine.ts';

// The sandbox's authoritative name server for the hosted zone, over the real DNS protocol on UDP and TCP (RFC 1035,
// RFC 7766). Each query is answered for the vantage its source address belongs to, the way Route 53 routes latency
// records by the resolver's location; every answer goes to the ground-truth log, and so does every change of the
// region a vantage is sent to, at the moment the vantage learns it.

/** A bound UDP socket and a listening TCP server on the same address and port. */
export interface DnsSockets {
  udp: UdpSocket;
  tcp: Server;
}

export interface DnsServerOptions {
  engine: Route53Engine;
  /** The hosted zone's name; queries outside it are refused. */
  zone: string;
  sockets: DnsSockets;
  groundTruth: GroundTruthLog;
  log?: (line: string) => void;
}

/** UDP answers larger than this are truncated unless the query's EDNS record allows more (RFC 1035 4.2.1, RFC 6891). */
const UDP_LIMIT = 512;

/** Binds UDP and TCP on one address and port (0: a free one, the same for both). */
export async function bindDnsSockets(host: string, port: number): Promise<DnsSockets> {
  const tcp = createServer();
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, host, () => resolve());
  });
  const bound = (tcp.address() as { port: number }).port;
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(bound, host, () => resolve());
    });
  } catch (err) {
    tcp.close();
    throw err;
  }
  return { udp, tcp };
}

export class DnsServer {
  private readonly connections = new Set<Socket>();
  /** The region each vantage was last answered with, per name: route changes are logged when it moves. */
  private readonly lastRegion = new Map<string, string>();

  constructor(private readonly options: DnsServerOptions) {}

  /** The address and port the server answers on. */
  get address(): { host: string; port: number } {
    const a = this.options.sockets.udp.address();
    return { host: a.address, port: a.port };
  }

  start(): void {
    const { udp, tcp } = this.options.sockets;
    udp.on('message', (msg, rinfo) => {
      const out = this.handle(msg, rinfo.address, 'udp');
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    udp.on('error', (err) => this.options.log?.(`DNS server (UDP): ${err.message}`));
    tcp.on('connection', (socket) => this.serveTcp(socket));
  }

  async stop(): Promise<void> {
    for (const s of this.connections) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.options.sockets.tcp.close(() => resolve())),
      new Promise<void>((resolve) => this.options.sockets.udp.close(() => resolve())),
    ]);
  }

  /** TCP: each message is preceded by its length in two bytes; a connection may carry several queries. */
  private serveTcp(socket: Socket): void {
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 2) {
        const length = buffer.readUInt16BE(0);
        if (buffer.length < 2 + length) break;
        const message = buffer.subarray(2, 2 + length);
        buffer = buffer.subarray(2 + length);
        const out = this.handle(message, socket.remoteAddress ?? '', 'tcp');
        if (out) {
          const framed = Buffer.alloc(2 + out.length);
          framed.writeUInt16BE(out.length, 0);
          out.copy(framed, 2);
          socket.write(framed);
        }
      }
    });
  }

  /** Decodes a query, answers it, logs the answer; undefined for something that is not a query at all. */
  private handle(message: Buffer, source: string, protocol: 'udp' | 'tcp'): Buffer | undefined {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message) as dnsPacket.DecodedPacket;
    } catch {
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const question = query.questions?.[0];
    const { engine } = this.options;
    const vantage = engine.vantageAt(source);
    const answer: ZoneAnswer | undefined = question
      ? answerQuestion(engine.records, this.options.zone, question, engine.answerContext(vantage))
      : undefined;
    let out = dnsPacket.encode(responsePacket(query, answer));
    if (protocol === 'udp') {
      const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
      if (out.length > Math.max(UDP_LIMIT, opt?.udpPayloadSize ?? 0)) {
        const truncated = responsePacket(query, answer ? { ...answer, answers: [], authorities: [] } : undefined);
        out = dnsPacket.encode({ ...truncated, flags: (truncated.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE });
      }
    }
    if (question) this.record(source, vantage?.name ?? null, protocol, question, answer);
    return out;
  }

  private record(
    source: string,
    vantage: string | null,
    protocol: 'udp' | 'tcp',
    question: dnsPacket.Question,
    answer: ZoneAnswer | undefined,
  ): void {
    const now = Date.now();
    const { engine, groundTruth } = this.options;
    const hopToRegion = answer?.hops.findLast((h) => h.values.some((v) => engine.regionForTarget(v) !== undefined));
    const region = hopToRegion ? (engine.regionForTarget(hopToRegion.values[0] ?? '') ?? null) : null;
    groundTruth.write({
      time: now,
      kind: 'dns',
      vantage,
      source,
      protocol,
      name: question.name,
      type: question.type,
      rcode: answer?.rcode ?? 'FORMERR',
      answer: (answer?.answers ?? []).map((a) => `${a.name} ${a.type} ${'data' in a ? String(a.data) : ''}`),
      region,
      ttl: answer ? answerTtl(answer) : null,
    });
    if (vantage === null || region === null) return;
    const key = `${vantage}\n${question.name.toLowerCase()}`;
    const previous = this.lastRegion.get(key);
    if (previous === region) return;
    this.lastRegion.set(key, region);
    groundTruth.write({
      time: now,
      kind: 'route',
      vantage,
      from: previous ?? null,
      to: region,
      record: (answer?.hops ?? []).map((h) => `${h.name}[${h.policy}${h.setIdentifier ? `:${h.setIdentifier}` : ''}]`).join(' -> '),
      allUnhealthy: (answer?.hops ?? []).some((h) => h.allUnhealthy),
    });
    this.options.log?.(`dns ${vantage}: ${previous ?? '-'} -> ${region} (${question.name} ${question.type})`);
  }
}
