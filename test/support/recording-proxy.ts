import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One AWS call as it crossed the proxy. */
export interface RecordedCall {
  method: string;
  path: string;
  /** JSON-protocol operation (`X-Amz-Target`), or the query-protocol `Action`. */
  operation?: string;
  body: string;
}

export interface RecordingProxy {
  url: string;
  calls: RecordedCall[];
  /** Holds every request this long before forwarding it (a slow or hanging AWS endpoint). */
  delayMs: number;
  /**
   * Calls whose answer is lost on the way back: forwarded, carried out by moto, then the client's connection is cut
   * instead of answered (the SDK sees a reset and sends the call again).
   */
  loseAnswer?: (call: RecordedCall) => boolean;
  stop(): Promise<void>;
}

/** Answers a request itself instead of forwarding it (e.g. health as the sandbox edge computes it); undefined forwards. */
export type Override = (call: RecordedCall) => { status: number; headers: Record<string, string>; body: string } | undefined;

/**
 * An HTTP proxy on 127.0.0.1 in front of moto that records every call, so a test can prove which calls (and so
 * which writes) reached the AWS API.
 */
export async function startRecordingProxy(target: string, override?: Override): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const calls: RecordedCall[] = [];
  const proxy: RecordingProxy = {
    url: '',
    calls,
    delayMs: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const target = req.headers['x-amz-target'];
      const action = /(?:^|&)Action=([A-Za-z]+)/.exec(text)?.[1];
      const call: RecordedCall = { method: req.method ?? 'GET', path: req.url ?? '/', body: text };
      const operation = typeof target === 'string' ? target.split('.').pop() : action;
      if (operation) call.operation = operation;
      calls.push(call);
      const answer = override?.(call);
      if (answer) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      const forward = () =>
        request(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
          },
          (up) => {
            if (proxy.loseAnswer?.(call)) {
              up.resume();
              up.on('end', () => res.socket?.destroy());
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
      const send = () => {
        const up = forward();
        up.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        up.end(body);
      };
      if (proxy.delayMs > 0) setTimeout(send, proxy.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(proxy, { url: `http://127.0.0.1:${port}` });
  return proxy;
}

/**
 * Pure: the calls that could change AWS state. Route 53 (REST) and FIS (REST-JSON) reads are GETs; the query and
 * JSON protocols (STS, CloudWatch) are POSTs whose operation says whether they write.
 */
export function writeCalls(calls: RecordedCall[]): RecordedCall[] {
  const reads = /^(Get|List|Describe)/;
  return calls.filter((c) => {
    if (c.operation) return !reads.test(c.operation);
    return c.method !== 'GET';
  });
}
