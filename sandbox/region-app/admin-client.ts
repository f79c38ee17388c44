import { request } from 'node:http';
import { InfrastructureError } from '../../core/errors.ts';
import type { FaultSet } from './faults.ts';
import type { VersionBehaviour } from './public-api.ts';

// Calls to a region app's admin listener: fault knobs, the deployed version, replication. The listener is a Unix
// domain socket (`unix:<path>`): the sandbox reaches it from the root namespace whichever namespace the app runs in.

/** The admin URL of a listener on a Unix domain socket. */
export function adminUrlOf(socketPath: string): string {
  return `unix:${socketPath}`;
}

/** One HTTP exchange over the admin socket; resolves status and body text. */
export function adminRequest(adminUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const socketPath = adminUrl.replace(/^unix:/, '');
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path, method, headers: payload === undefined ? {} : { 'content-type': 'application/json' }, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 5000 ms')));
    req.on('error', reject);
    req.end(payload);
  });
}

async function call(adminUrl: string, path: string, method: string, body?: unknown): Promise<unknown> {
  let res: { status: number; text: string };
  try {
    res = await adminRequest(adminUrl, method, path, body);
  } catch (err) {
    throw new InfrastructureError(`region app admin ${method} ${adminUrl}${path} failed: ${(err as Error).message}`, { cause: err });
  }
  if (res.status < 200 || res.status >= 300)
    throw new InfrastructureError(`region app admin ${method} ${adminUrl}${path} answered ${res.status}: ${res.text}`);
  return res.text ? JSON.parse(res.text) : undefined;
}

/** Sets (replaces) the faults of one source, e.g. `fis:<experiment>:<action>` or `manual`. */
export function setFault(adminUrl: string, source: string, fault: FaultSet): Promise<unknown> {
  return call(adminUrl, `/admin/faults/${encodeURIComponent(source)}`, 'PUT', fault);
}

/** Removes one source's faults. */
export function clearFault(adminUrl: string, source: string): Promise<unknown> {
  return call(adminUrl, `/admin/faults/${encodeURIComponent(source)}`, 'DELETE');
}

/** Removes every fault from every source. */
export function clearAllFaults(adminUrl: string): Promise<unknown> {
  return call(adminUrl, '/admin/faults', 'DELETE');
}

/** Deploys a version (instantly); a bad version can carry added latency or an error rate. */
export function setVersion(adminUrl: string, behaviour: VersionBehaviour): Promise<unknown> {
  return call(adminUrl, '/admin/version', 'PUT', behaviour);
}

/** The app's current version, faults and replication backlog. */
export function adminState(adminUrl: string): Promise<unknown> {
  return call(adminUrl, '/admin/state', 'GET');
}

/** Scrapes (and resets) the app's load balancer and table counters. */
export function scrapeMetrics(adminUrl: string): Promise<unknown> {
  return call(adminUrl, '/admin/metrics', 'POST');
}

/** Delivers one replicated record to a peer (the data store's replication, not the network's). */
export function replicate(adminUrl: string, table: string, record: unknown): Promise<unknown> {
  return call(adminUrl, '/internal/replicate', 'POST', { table, record });
}
