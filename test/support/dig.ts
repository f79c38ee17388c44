import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';

// A dig-style DNS client for tests: one query over UDP or TCP to a given server, from a given source address, the
// whole response decoded (answer section with each record's TTL, response code, flags).

export interface DigOptions {
  server: { host: string; port: number };
  /** Source address to query from (the resolver address a vantage has). */
  from?: string;
  protocol?: 'udp' | 'tcp';
  timeoutMs?: number;
}

export interface DigAnswer {
  rcode: string;
  authoritative: boolean;
  answers: { name: string; type: string; ttl: number; data: string }[];
}

function read(packet: dnsPacket.DecodedPacket & { rcode?: string }): DigAnswer {
  return {
    rcode: packet.rcode ?? '',
    authoritative: packet.flag_aa,
    answers: (packet.answers ?? []).map((a) => ({
      name: a.name,
      type: a.type,
      ttl: 'ttl' in a ? (a.ttl ?? 0) : 0,
      data: 'data' in a ? String(a.data) : '',
    })),
  };
}

/** Sends one query and resolves the decoded response; rejects after the timeout. */
export function dig(name: string, type: 'A' | 'AAAA' | 'CNAME', options: DigOptions): Promise<DigAnswer> {
  const query = {
    type: 'query' as const,
    id: Math.floor(Math.random() * 65535),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  };
  const timeoutMs = options.timeoutMs ?? 2000;
  if (options.protocol === 'tcp') {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: options.server.host,
        port: options.server.port,
        ...(options.from ? { localAddress: options.from } : {}),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TCP answer for ${name} within ${timeoutMs} ms`));
      }, timeoutMs);
      let buffer = Buffer.alloc(0);
      socket.on('connect', () => socket.write(dnsPacket.streamEncode(query)));
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
          clearTimeout(timer);
          socket.end();
          resolve(read(dnsPacket.streamDecode(buffer) as dnsPacket.DecodedPacket));
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP answer for ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(read(dnsPacket.decode(msg) as dnsPacket.DecodedPacket));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.bind(0, options.from ?? '0.0.0.0', () => socket.send(dnsPacket.encode(query), options.server.port, options.server.host));
  });
}
