import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Route53Engine } from './route53-engine.ts';

// The Route 53 API as the sandbox serves it: GetHealthCheckStatus and TestDNSAnswer answered from what the edge
// computed (moto has no TestDNSAnswer and always reports health checks healthy); every other operation passes through
// to moto unchanged, so crosswind calls the same SDK operations here as on AWS.

const XMLNS = 'https://route53.amazonaws.com/doc/2013-04-01/';

/** Route 53 checkers report from several regions; the sandbox has one checker, reported under each of these. */
const CHECKER_REGIONS = [
  'us-east-1',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
  'sa-east-1',
];

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);
}

/**
 * The XML body of GetHealthCheckStatus. Every observation carries the status the edge routes by (Inverted and
 * Disabled applied), prefixed `Success:` or `Failure:` as Route 53's checkers write them.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html
 */
export function healthCheckStatusXml(healthy: boolean, detail: string, checkedAt: number): string {
  const status = `${healthy ? 'Success' : 'Failure'}: ${detail}`;
  const observations = CHECKER_REGIONS.map(
    (region, i) =>
      `<HealthCheckObservation><Region>${region}</Region><IPAddress>127.0.0.${i + 1}</IPAddress>` +
      `<StatusReport><Status>${escapeXml(status)}</Status><CheckedTime>${new Date(checkedAt).toISOString()}</CheckedTime></StatusReport></HealthCheckObservation>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<GetHealthCheckStatusResponse xmlns="${XMLNS}"><HealthCheckObservations>${observations}</HealthCheckObservations></GetHealthCheckStatusResponse>`;
}

/**
 * The XML body of TestDNSAnswer: the in-zone CNAME chain Route 53 would answer with.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_TestDNSAnswer.html
 */
export function testDnsAnswerXml(recordName: string, recordType: string, data: string[]): string {
  const entries = data.map((d) => `<RecordDataEntry>${escapeXml(d)}</RecordDataEntry>`).join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<TestDNSAnswerResponse xmlns="${XMLNS}"><Nameserver>ns-2048.awsdns-64.com</Nameserver>` +
    `<RecordName>${escapeXml(recordName)}</RecordName><RecordType>${escapeXml(recordType)}</RecordType><RecordData>${entries}</RecordData>` +
    `<ResponseCode>${data.length > 0 ? 'NOERROR' : 'NXDOMAIN'}</ResponseCode><Protocol>UDP</Protocol></TestDNSAnswerResponse>`
  );
}

export interface Route53Api {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface Route53ApiOptions {
  port: number;
  motoUrl: string;
  engine: Route53Engine;
  /** Called after a StopExperiment passed through (FIS calls share this endpoint), so the heal is immediate. */
  onStopExperiment?: (experimentId: string) => Promise<void> | void;
  /** Called after a DeleteExperimentTemplate passed through. */
  onDeleteExperimentTemplate?: (templateId: string) => Promise<void> | void;
  /** Rewrites a GetExperiment answer's body (the executor's action states and start times; see fis-experiment-view.ts). */
  viewExperiment?: (experimentId: string, body: string) => string;
}

export async function startRoute53Api(options: Route53ApiOptions): Promise<Route53Api> {
  const moto = new URL(options.motoUrl);
  const sockets = new Set<Socket>();
  const xml = (res: ServerResponse, body: string) => {
    res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID() });
    res.end(body);
  };
  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = request(
      { host: moto.hostname, port: moto.port, path: req.url, method: req.method, headers: { ...req.headers, host: moto.host } },
      (up) => {
        const stopped = /^\/experiments\/([^/?]+)$/.exec(req.url ?? '');
        const deleted = /^\/experimentTemplates\/([^/?]+)$/.exec(req.url ?? '');
        const hint =
          req.method !== 'DELETE' || (up.statusCode ?? 500) >= 300
            ? undefined
            : stopped && options.onStopExperiment
              ? () => options.onStopExperiment?.(decodeURIComponent(stopped[1] ?? ''))
              : deleted && options.onDeleteExperimentTemplate
                ? () => options.onDeleteExperimentTemplate?.(decodeURIComponent(deleted[1] ?? ''))
                : undefined;
        const read = req.method === 'GET' && (up.statusCode ?? 500) < 300 && options.viewExperiment ? stopped : null;
        if (read && options.viewExperiment) {
          // FIS GetExperiment is GET /experiments/{id}: answered with the actions as the executor ran them.
          const view = options.viewExperiment;
          const chunks: Buffer[] = [];
          up.on('data', (c: Buffer) => chunks.push(c));
          up.on('end', () => {
            const body = Buffer.from(view(decodeURIComponent(read[1] ?? ''), Buffer.concat(chunks).toString('utf8')));
            res.writeHead(up.statusCode ?? 200, { ...up.headers, 'content-length': String(body.length) });
            res.end(body);
          });
          return;
        }
        if (hint) {
          // FIS StopExperiment is DELETE /experiments/{id}: heal before the caller sees the answer, as FIS stops actions.
          Promise.resolve(hint())
            .catch(() => {})
            .finally(() => {
              res.writeHead(up.statusCode ?? 502, up.headers);
              up.pipe(res);
            });
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`moto unreachable: ${err.message}`);
    });
    req.pipe(upstream);
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const status = /^\/2013-04-01\/healthcheck\/([^/]+)\/status$/.exec(url.pathname);
    if (req.method === 'GET' && status) {
      const view = options.engine.health(decodeURIComponent(status[1] ?? ''));
      // Health checks the sandbox does not check (created by a user) fall through to moto, which knows them.
      if (view) {
        const detail = view.lastProbe?.detail ?? 'not checked yet';
        return xml(
          res,
          healthCheckStatusXml(
            view.healthy,
            view.healthy === view.measuredHealthy ? detail : `${detail} (inverted/disabled)`,
            view.lastProbe?.time ?? Date.now(),
          ),
        );
      }
    }
    if (req.method === 'GET' && url.pathname === '/2013-04-01/testdnsanswer') {
      const recordName = url.searchParams.get('recordname') ?? '';
      const recordType = url.searchParams.get('recordtype') ?? 'CNAME';
      const resolver = url.searchParams.get('edns0clientsubnetip') ?? url.searchParams.get('resolverip') ?? undefined;
      const hops = options.engine.resolve(recordName, options.engine.vantageAt(resolver) ?? options.engine.vantages[0]);
      return xml(
        res,
        testDnsAnswerXml(
          recordName,
          recordType,
          // The chain's records of the asked type: the CNAME hops, or the addresses at its end.
          hops.filter((h) => h.record.type === recordType).flatMap((h) => h.record.values),
        ),
      );
    }
    proxy(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    port: options.port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
