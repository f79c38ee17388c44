// A client at a vantage, run inside its network namespace by test/support/netns.ts (`ip netns exec NS node
// netns-client.mjs '<ops JSON>'`): DNS queries (dns-packet over UDP or TCP), HTTP GETs of the global name resolved
// by the system resolver, and bare TCP connects. Prints one JSON array of results. Plain JavaScript, so it starts fast.
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { connect } from 'node:net';

const dnsPacket = createRequire(import.meta.url)('dns-packet');

function dig({ name, type = 'A', server, protocol = 'udp', timeoutMs = 2000 }) {
  const query = { type: 'query', id: Math.floor(Math.random() * 65535), flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] };
  const read = (p) => ({
    rcode: p.rcode,
    answers: p.answers.map((a) => ({ name: a.name, type: a.type, ttl: a.ttl, data: String(a.data) })),
  });
  return new Promise((resolve) => {
    const fail = (error) => resolve({ error });
    if (protocol === 'tcp') {
      const socket = connect({ host: server.host, port: server.port });
      const timer = setTimeout(() => {
        socket.destroy();
        fail('timeout');
      }, timeoutMs);
      let buf = Buffer.alloc(0);
      socket.on('connect', () => socket.write(dnsPacket.streamEncode(query)));
      socket.on('data', (c) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          clearTimeout(timer);
          socket.end();
          resolve(read(dnsPacket.streamDecode(buf)));
        }
      });
      socket.on('error', (e) => {
        clearTimeout(timer);
        fail(e.code ?? e.message);
      });
      return;
    }
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      fail('timeout');
    }, timeoutMs);
    socket.on('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(read(dnsPacket.decode(m)));
    });
    socket.send(dnsPacket.encode(query), server.port, server.host);
  });
}

async function get({ url, timeoutMs = 3000 }) {
  const started = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'crosswind-test' } });
    await res.arrayBuffer();
    return { status: res.status, servedBy: res.headers.get('x-served-by'), ms: Date.now() - started };
  } catch (e) {
    return { error: e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message), ms: Date.now() - started };
  }
}

function tcp({ host, port, timeoutMs = 1500 }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.on('connect', () => {
      socket.destroy();
      resolve({ connected: true, ms: Date.now() - started });
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve({ error: 'timeout', ms: Date.now() - started });
    });
    socket.on('error', (e) => resolve({ error: e.code, ms: Date.now() - started }));
  });
}

const ops = JSON.parse(process.argv[2] ?? '[]');
const out = [];
for (const op of ops) out.push(await (op.op === 'dig' ? dig(op) : op.op === 'get' ? get(op) : tcp(op)));
process.stdout.write(`${JSON.stringify(out)}\n`);
