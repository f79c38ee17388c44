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

function xml(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': crypto.randomUUID() });
  res.end(body);
}

/**
 * GetHealthCheckStatus and TestDNSAnswer answered from the engine; false for every other request, and for a health
 * check the sandbox does not check (one a user created: moto knows it).
 */
function answerFromEngine(engine: Route53Engine, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://local');
  const status = /^\/2013-04-01\/healthcheck\/([^/]+)\/status$/.exec(url.pathname);
  const view = status ? engine.health(decodeURIComponent(status[1] ?? '')) : undefined;
  if (view) {
    const detail = view.lastProbe?.detail ?? 'not checked yet';
    const shown = view.healthy === view.measuredHealthy ? detail : `${detail} (inverted/disabled)`;
    xml(res, healthCheckStatusXml(view.healthy, shown, view.lastProbe?.time ?? Date.now()));
    return true;
  }
  if (url.pathname !== '/2013-04-01/testdnsanswer') return false;
  const recordName = url.searchParams.get('recordname') ?? '';
  const recordType = url.searchParams.get('recordtype') ?? 'CNAME';
  const resolver = url.searchParams.get('edns0clientsubnetip') ?? url.searchParams.get('resolverip') ?? undefined;
  const hops = engine.resolve(recordName, engine.vantageAt(resolver) ?? engine.vantages[0]);
  // The chain's records of the asked type: the CNAME hops, or the addresses at its end.
  xml(
    res,
    testDnsAnswerXml(
      recordName,
      recordType,
      hops.filter((h) => h.record.type === recordType).flatMap((h) => h.record.values),
    ),
  );
  return true;
}

/** What to call once moto has answered a FIS StopExperiment or DeleteExperimentTemplate, before the caller sees it. */
function hookAfter(req: IncomingMessage, up: IncomingMessage, options: Route53ApiOptions): (() => unknown) | undefined {
  if (req.method !== 'DELETE' || (up.statusCode ?? 500) >= 300) return undefined;
  const stopped = /^\/experiments\/([^/?]+)$/.exec(req.url ?? '');
  const deleted = /^\/experimentTemplates\/([^/?]+)$/.exec(req.url ?? '');
  const { onStopExperiment, onDeleteExperimentTemplate } = options;
  if (stopped && onStopExperiment) return () => onStopExperiment(decodeURIComponent(stopped[1] ?? ''));
  if (deleted && onDeleteExperimentTemplate) return () => onDeleteExperimentTemplate(decodeURIComponent(deleted[1] ?? ''));
  return undefined;
}

/** Relays moto's answer: a GetExperiment rewritten to the executor's view, a stop answered once healed, the rest as is. */
function relay(req: IncomingMessage, up: IncomingMessage, res: ServerResponse, options: Route53ApiOptions): void {
  const experiment = /^\/experiments\/([^/?]+)$/.exec(req.url ?? '');
  const view = options.viewExperiment;
  if (experiment && view && req.method === 'GET' && (up.statusCode ?? 500) < 300) {
    // FIS GetExperiment is GET /experiments/{id}: answered with the actions as the executor ran them.
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.from(view(decodeURIComponent(experiment[1] ?? ''), Buffer.concat(chunks).toString('utf8')));
      res.writeHead(up.statusCode ?? 200, { ...up.headers, 'content-length': String(body.length) });
      res.end(body);
    });
    return;
  }
  const pipe = () => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  };
  const hook = hookAfter(req, up, options);
  // FIS StopExperiment is DELETE /experiments/{id}: heal before the caller sees the answer, as FIS stops actions.
  if (hook)
    Promise.resolve()
      .then(hook)
      .catch(() => {})
      .finally(pipe);
  else pipe();
}

/** Passes a request through to moto unchanged. */
function passThrough(moto: URL, options: Route53ApiOptions, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    { host: moto.hostname, port: moto.port, path: req.url, method: req.method, headers: { ...req.headers, host: moto.host } },
    (up) => relay(req, up, res, options),
  );
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`moto unreachable: ${err.message}`);
  });
  req.pipe(upstream);
}

export async function startRoute53Api(options: Route53ApiOptions): Promise<Route53Api> {
  const moto = new URL(options.motoUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    if (!answerFromEngine(options.engine, req, res)) passThrough(moto, options, req, res);
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
