// Which region answered. The edge (or the load balancer) stamps it on every response; reading it per request is
// how a client sees a failover without access to the routing layer.
import type { RefinedResponse, ResponseType } from 'k6/http';
import type { ServedByRule } from '../plan.ts';

/** The tag value used when no rule finds the serving region (no response, or a response not stamped). */
export const UNKNOWN_REGION = 'unknown';

/** Go's canonical form of a header name (`x-served-by` → `X-Served-By`): the key k6 puts in `res.headers`. */
function canonical(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((w) => (w === '' ? w : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('-');
}

const canonicalNames = new Map<string, string>();

/** The first value of a comma-separated header (`a, b` → `a`); most servers send one value, returned as is. */
function firstValue(value: string): string | undefined {
  const comma = value.indexOf(',');
  return comma < 0 ? value : value.slice(0, comma).trim() || undefined;
}

/** The key a header has in k6's `res.headers` (Go's canonical form), computed once per name. */
export function headerKey(name: string): string {
  let key = canonicalNames.get(name);
  if (key === undefined) {
    key = canonical(name);
    canonicalNames.set(name, key);
  }
  return key;
}

function headerValue(res: RefinedResponse<ResponseType | undefined>, name: string): string | undefined {
  const key = headerKey(name);
  // One read of `res.headers`: each read crosses into Go and wraps the header map again.
  const headers = res.headers;
  const direct = headers[key];
  if (direct) return firstValue(direct);
  // Not under its canonical name (an HTTP/2 or unusual server): compare every name case-insensitively.
  const wanted = name.toLowerCase();
  for (const k in headers) {
    if (k.toLowerCase() === wanted) {
      const value = headers[k];
      if (value) return firstValue(value);
    }
  }
  return undefined;
}

function jsonValue(body: unknown, path: string): string | undefined {
  let node: unknown = body;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return typeof node === 'string' && node !== '' ? node : undefined;
}

/** Parses a JSON body once per response; undefined for non-JSON bodies. */
export function jsonBody(res: RefinedResponse<ResponseType | undefined>): unknown {
  if (typeof res.body !== 'string' || res.body === '') return undefined;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
}

/** The serving region by the first rule that finds one, else UNKNOWN_REGION. `body` is the parsed JSON, if any. */
export function servedBy(res: RefinedResponse<ResponseType | undefined>, rules: ServedByRule[], body?: unknown): string {
  let parsed = body;
  // An indexed loop: k6's JavaScript runtime runs `for...of` through the iterator protocol, an object per step, on
  // the path every request takes.
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as ServedByRule;
    if ('header' in rule) {
      const value = headerValue(res, rule.header);
      if (value) return value;
    } else {
      if (parsed === undefined) parsed = jsonBody(res);
      const value = jsonValue(parsed, rule.jsonField);
      if (value) return value;
    }
  }
  return UNKNOWN_REGION;
}
