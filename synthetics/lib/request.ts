// One instrumented request: the shared tags, the serving region read from the response, and the served_by-tagged
// twins of k6's request metrics. Every scenario's HTTP goes through here. No k6 check() per request: its outcome
// is already in request_failed with every tag, and each extra sample costs throughput (k6 writes every sample to
// the NDJSON output); scenarios check what only they know (a shallow health, a session kept, a write seen).
import exec from 'k6/execution';
import http, { type Params, type RefinedResponse, type RequestBody, type ResponseType } from 'k6/http';
import type { ServedByRule } from '../plan.ts';
import { requestDuration, requestFailed } from './metrics.ts';
import { headerKey, jsonBody, servedBy } from './served-by.ts';

/** Who sends and whom it addresses: becomes the VU's tags, so every metric the VU emits carries them. */
export interface RequestOrigin {
  scenario: string;
  vantage?: string;
  /** Set when a region is addressed directly rather than through global routing. */
  targetRegion?: string;
}

/**
 * Sets `scenario`, `vantage` and `target_region` as VU tags. VU tags override k6's own `scenario` tag (which
 * would be the per-vantage k6 scenario name), so every point says which crosswind scenario it belongs to.
 * @see https://grafana.com/docs/k6/latest/javascript-api/k6-execution/#vu
 */
export function tagOrigin(origin: RequestOrigin): void {
  // Tags live in Go; setting them on every iteration would cost each request a few calls across the boundary
  // (reading exec.vu.metrics.tags alone costs more than the rest of crosswind's work on a request).
  const key = `${origin.scenario}|${origin.vantage ?? ''}|${origin.targetRegion ?? ''}`;
  if (key === currentOrigin) return;
  currentOrigin = key;
  const tags = exec.vu.metrics.tags;
  tags.scenario = origin.scenario;
  if (origin.vantage !== undefined) tags.vantage = origin.vantage;
  else delete tags.vantage;
  if (origin.targetRegion !== undefined) tags.target_region = origin.targetRegion;
  else delete tags.target_region;
}

/** The origin last set on this VU (module state is per VU). */
let currentOrigin = '';

export interface RequestOptions {
  /** Rules to read the serving region, tried in order. */
  servedBy: ServedByRule[];
  timeoutMs: number;
  /** The `name` tag: a URL template (`/api/items/:id`) so ids do not explode the tag set. */
  name: string;
  headers?: Record<string, string>;
  /** Parse the body as JSON (also done when a rule reads the serving region from the body). */
  json?: boolean;
  /** 404 is an expected answer (polling for something not there yet), not a failed request. */
  notFoundExpected?: boolean;
}

/**
 * k6's response callback for polls: 404 counts as expected in `http_req_failed`, so waiting for a replica does not
 * read as errors. Made once, in the init context.
 * @see https://grafana.com/docs/k6/latest/javascript-api/k6-http/expected-statuses/
 */
const FOUND_OR_NOT_FOUND = http.expectedStatuses({ min: 200, max: 399 }, 404);

export interface Answer {
  res: RefinedResponse<ResponseType | undefined>;
  /** The serving region, or UNKNOWN_REGION. */
  servedBy: string;
  /** The parsed JSON body, when asked for and the body is JSON. */
  body: unknown;
  ok: boolean;
}

/** True for the statuses k6 counts as expected by default (200-399). */
export function isExpected(status: number): boolean {
  return status >= 200 && status < 400;
}

interface Prepared {
  params: Params;
  wantsBody: boolean;
}

// Per options object, what every request with it shares: built once, not per request (global traffic runs this
// path thousands of times a second, and k6 writes every one of its samples).
const prepared = new WeakMap<RequestOptions, Prepared>();

function prepare(options: RequestOptions): Prepared {
  let p = prepared.get(options);
  if (!p) {
    const wantsBody = options.json === true || options.servedBy.some((r) => 'jsonField' in r);
    const params: Params = {
      timeout: options.timeoutMs,
      tags: { name: options.name },
      // Bodies are discarded by default (baseOptions); read one only when it is parsed.
      responseType: wantsBody ? 'text' : 'none',
    };
    if (options.headers) params.headers = options.headers;
    if (options.notFoundExpected) params.responseCallback = FOUND_OR_NOT_FOUND;
    p = { params, wantsBody };
    prepared.set(options, p);
  }
  return p;
}

/** The tags of a request's `request_duration` and `request_failed`. */
function requestTags(region: string, status: number, name: string, method: string): Record<string, string> {
  return { served_by: region, status: String(status), name, method };
}

function record(res: RefinedResponse<ResponseType | undefined>, method: string, options: RequestOptions, p: Prepared): Answer {
  const body = p.wantsBody ? jsonBody(res) : undefined;
  const region = servedBy(res, options.servedBy, body);
  // Each read of a response field crosses into Go: read the status once.
  const status = res.status;
  const ok = isExpected(status) || (options.notFoundExpected === true && status === 404);
  const tags = requestTags(region, status, options.name, method);
  requestDuration.add(res.timings.duration, tags);
  requestFailed.add(!ok, tags);
  return { res, servedBy: region, body, ok };
}

/** Sends one request and records it; never throws on HTTP or network failure. */
export function send(method: string, url: string, payload: RequestBody | null, options: RequestOptions): Answer {
  const p = prepare(options);
  return record(http.request(method, url, payload, p.params), method, options, p);
}

/**
 * `send(method, url, null, options)` prepared once to be repeated, recording exactly what `send` records, for the
 * path that runs thousands of times a second (global traffic): k6's JavaScript runtime interprets every call and
 * object, and each costs the request a few microseconds. So nothing is looked up or built per request: the first
 * serving-region rule's header is read under its canonical key (the general rules only when that gives no single
 * value), and the tags of each region and status are made once. Answers nothing; rules that read the body take
 * `send` itself.
 */
export function repeatedSend(method: string, url: string, options: RequestOptions): () => void {
  const p = prepare(options);
  const first = options.servedBy[0];
  if (p.wantsBody || first === undefined || !('header' in first)) return () => void send(method, url, null, options);
  const key = headerKey(first.header);
  const notFoundExpected = options.notFoundExpected === true;
  const tagsFor = tagCache(method, options.name);
  return () => {
    const res = http.request(method, url, null, p.params);
    const stamped = res.headers[key];
    // One value under the first rule's key is what `servedBy` answers; anything else goes through all its rules.
    const region = stamped && stamped.indexOf(',') < 0 ? stamped : servedBy(res, options.servedBy);
    const status = res.status;
    const tags = tagsFor(region, status);
    requestDuration.add(res.timings.duration, tags);
    // `isExpected` inlined: on this path a call costs more than the comparison.
    requestFailed.add(!((status >= 200 && status < 400) || (notFoundExpected && status === 404)), tags);
  };
}

/**
 * A request's tags (`requestTags`), one object per serving region and status (k6 copies tags on `add`, so they can
 * be shared). Bounded: a server stamping a new region on every response does not grow it without end.
 */
function tagCache(method: string, name: string): (region: string, status: number) => Record<string, string> {
  const byRegion = new Map<string, Record<number, Record<string, string>>>();
  return (region, status) => {
    let byStatus = byRegion.get(region);
    if (!byStatus) {
      if (byRegion.size >= 64) byRegion.clear();
      byStatus = {};
      byRegion.set(region, byStatus);
    }
    let tags = byStatus[status];
    if (!tags) {
      tags = requestTags(region, status, name, method);
      byStatus[status] = tags;
    }
    return tags;
  };
}

export interface BatchItem {
  method: string;
  url: string;
  body: string | null;
  options: RequestOptions;
}

/**
 * Sends requests in parallel (k6's batch) and records each: how two regions are written "at the same time".
 * @see https://grafana.com/docs/k6/latest/javascript-api/k6-http/batch/
 */
export function sendBatch(items: BatchItem[]): Answer[] {
  const ready = items.map((i) => prepare(i.options));
  const responses = http.batch(
    items.map((i, n) => ({ method: i.method, url: i.url, body: i.body, params: (ready[n] as Prepared).params })),
  );
  return responses.map((res, n) => {
    const item = items[n] as BatchItem;
    return record(res, item.method, item.options, ready[n] as Prepared);
  });
}

/** A JSON request body with its content type. */
export function jsonHeaders(): Record<string, string> {
  return { 'content-type': 'application/json' };
}
