import { InfrastructureError } from '../core/errors.ts';

export type FetchFn = (url: string, init?: { signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/**
 * Reads the version a region runs from its version endpoint: JSON `{"version": "..."}` or the plain text body.
 * Used to fill PREVIOUS_VERSION before a deploy and to confirm the deploy landed after it.
 */
export async function readVersion(endpoint: string, path: string, fetchFn: FetchFn = fetch, timeoutMs = 5000): Promise<string> {
  const url = new URL(path, endpoint).toString();
  let res: Awaited<ReturnType<FetchFn>>;
  try {
    res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new InfrastructureError(`cannot read the version at ${url}: ${(err as Error).message}`, { cause: err });
  }
  const body = (await res.text()).trim();
  if (!res.ok) throw new InfrastructureError(`the version at ${url} answered ${res.status}`);
  try {
    const parsed = JSON.parse(body) as { version?: unknown };
    if (typeof parsed.version === 'string') return parsed.version;
  } catch {
    // not JSON: the body is the version
  }
  if (body === '' || body.length > 200)
    throw new InfrastructureError(`the version at ${url} is not a version string: ${body.slice(0, 80)}`);
  return body;
}
