import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLIENT = fileURLToPath(new URL('./netns-client.mjs', import.meta.url));
const run = promisify(execFile);

export type ClientOp =
  | { op: 'dig'; name: string; type?: 'A' | 'AAAA' | 'CNAME'; server: { host: string; port: number }; protocol?: 'udp' | 'tcp' }
  | { op: 'get'; url: string; timeoutMs?: number }
  | { op: 'tcp'; host: string; port: number; timeoutMs?: number };

export interface DigResult {
  rcode?: string;
  answers?: { name: string; type: string; ttl: number; data: string }[];
  error?: string;
}
export interface GetResult {
  status?: number;
  servedBy?: string | null;
  ms: number;
  error?: string;
}
export interface TcpResult {
  connected?: boolean;
  ms: number;
  error?: string;
}

/** Runs client operations inside a network namespace (asynchronously: the sandbox answers from this process). */
export async function inNamespace<T = unknown>(netns: string, ops: ClientOp[]): Promise<T[]> {
  const { stdout } = await run('ip', ['netns', 'exec', netns, process.execPath, CLIENT, JSON.stringify(ops)], { timeout: 60_000 });
  return JSON.parse(stdout) as T[];
}

/** Namespace names on this machine (`ip netns list`). */
export async function namespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}
