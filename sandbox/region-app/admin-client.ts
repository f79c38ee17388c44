import { InfrastructureError } from '../../core/errors.ts';
import type { FaultSet } from './faults.ts';
import type { VersionBehaviour } from './public-api.ts';

// Calls to a region app's admin listener: fault knobs and the deployed version.

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    throw new InfrastructureError(`region app admin ${method} ${url} failed: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new InfrastructureError(`region app admin ${method} ${url} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Sets (replaces) the faults of one source, e.g. `fis:<experiment>:<action>` or `manual`. */
export function setFault(adminUrl: string, source: string, fault: FaultSet): Promise<unknown> {
  return call(`${adminUrl}/admin/faults/${encodeURIComponent(source)}`, 'PUT', fault);
}

/** Removes one source's faults. */
export function clearFault(adminUrl: string, source: string): Promise<unknown> {
  return call(`${adminUrl}/admin/faults/${encodeURIComponent(source)}`, 'DELETE');
}

/** Removes every fault from every source. */
export function clearAllFaults(adminUrl: string): Promise<unknown> {
  return call(`${adminUrl}/admin/faults`, 'DELETE');
}

/** Deploys a version (instantly); a bad version can carry added latency or an error rate. */
export function setVersion(adminUrl: string, behaviour: VersionBehaviour): Promise<unknown> {
  return call(`${adminUrl}/admin/version`, 'PUT', behaviour);
}

/** The app's current version, faults and replication backlog. */
export function adminState(adminUrl: string): Promise<unknown> {
  return call(`${adminUrl}/admin/state`, 'GET');
}
