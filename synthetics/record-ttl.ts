import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { InfrastructureError } from '../core/errors.ts';
import type { RunPlan } from './plan.ts';

// `synthetics.dns.ttl: record`: k6's cache follows the TTL the global name is answered with. k6 has no such mode of its
// own (its `ttl` is a fixed length, 5 minutes by default), so before k6 starts the launcher asks the resolver k6 will
// use (inside the vantage's namespace when it has one) and writes that TTL into the plan.

const run = promisify(execFile);

/** Resolves a name's A records with their TTLs through the system resolver, from inside `netns` when given. */
const LOOKUP = `require('node:dns').promises.resolve4(process.argv[1], { ttl: true }).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e.code ?? e.message)); process.exit(1); })`;

/** The TTL, in seconds, the name is answered with where k6 runs: the smallest of its A records. */
export async function answeredTtl(host: string, netns: string | undefined): Promise<number> {
  const args = ['-e', LOOKUP, host];
  const cmd = netns ? { command: 'ip', args: ['netns', 'exec', netns, process.execPath, ...args] } : { command: process.execPath, args };
  let records: { ttl: number }[];
  try {
    records = JSON.parse((await run(cmd.command, cmd.args, { timeout: 10_000 })).stdout) as { ttl: number }[];
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new InfrastructureError(
      `synthetics.dns.ttl is "record" but ${host} could not be resolved${netns ? ` in ${netns}` : ''} (${(e.stderr || e.message).trim()}): fix name resolution or set synthetics.dns.ttl`,
    );
  }
  if (records.length === 0) throw new InfrastructureError(`synthetics.dns.ttl is "record" but ${host} has no A record`);
  return Math.min(...records.map((r) => r.ttl));
}

/** The plan with `dns.ttl: record` replaced by the answered TTL; unchanged when nothing is resolved by name. */
export async function withRecordTtl(plan: RunPlan, netns: string | undefined, lookup = answeredTtl): Promise<RunPlan> {
  if (plan.dns.ttl !== 'record') return plan;
  const host = plan.vantages.map((v) => new URL(v.endpoint).hostname).find((h) => isIP(h) === 0 && h !== 'localhost');
  // Every endpoint is an address: k6 resolves nothing, and its cache length changes nothing.
  if (host === undefined) return plan;
  const seconds = await lookup(host, netns);
  return { ...plan, dns: { ...plan.dns, ttl: `${seconds}s`, recordTtlSeconds: seconds } };
}
