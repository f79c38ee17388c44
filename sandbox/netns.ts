import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfrastructureError } from '../core/errors.ts';

// The sandbox's network: a hub namespace that routes between one namespace per region, one per vantage and one for
// the health checkers, each attached by a veth pair. Every address lives inside namespaces the sandbox made; nothing
// is routed to the root namespace or off the machine. Names carry `cw` and an id unique to the sandbox instance
// (derived from its state file, so a killed sandbox's next start finds and removes what it left), within the
// 15-character limit of interface names.

/** Runs one `ip` command; rejects with its stderr. Injected in tests. */
export type IpRunner = (args: string[]) => Promise<string>;

const run = promisify(execFile);

/** `ip <args>`, as root. */
export const runIp: IpRunner = async (args) => {
  try {
    return (await run('ip', args, { timeout: 10_000 })).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new InfrastructureError(`ip ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
};

/** Where `ip netns exec` finds a namespace's own resolv.conf (bind-mounted over /etc/resolv.conf). */
export const NETNS_ETC = '/etc/netns';

/** The address the sandbox's name server answers at, on the hub. */
export const DNS_ADDRESS = '10.77.0.53';

export interface Place {
  kind: 'region' | 'vantage' | 'checker';
  /** The region or vantage name ('checker' for the health checkers). */
  key: string;
  netns: string;
  address: string;
  gateway: string;
  /** Prefix length of the link's subnet. */
  prefix: number;
  /** The veth end in the hub, and the one in the place. */
  hubLink: string;
  link: string;
  /** An EC2-style subnet id for the place's subnet (ECS RunTask names subnets). */
  subnetId: string;
}

export interface NetnsPlan {
  id: string;
  hub: string;
  dnsAddress: string;
  places: Place[];
}

/**
 * `CROSSWIND_NETNS_TAG` (up to two of a-z, 0-9; default none): put before every instance id with a `-` (which an
 * untagged id never has), so that one test run, or one checkout, can tell the namespaces it made from those of others
 * on the same machine.
 */
export function netnsTag(env: NodeJS.ProcessEnv = process.env): string {
  const tag = env.CROSSWIND_NETNS_TAG ?? '';
  if (!/^[a-z0-9]{0,2}$/.test(tag))
    throw new InfrastructureError(`CROSSWIND_NETNS_TAG: expected up to two of a-z and 0-9 (names stay within 15 characters), got "${tag}"`);
  return tag;
}

/** A sandbox instance's id: `<tag>-` when tagged, then 4 characters stable for a state file, random without one. */
export function instanceId(stateFile: string | undefined, tag = netnsTag()): string {
  const seed = stateFile ?? randomBytes(8).toString('hex');
  const hash = BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 12)}`)
    .toString(36)
    .slice(-4)
    .padStart(4, '0');
  return tag ? `${tag}-${hash}` : hash;
}

/** Pure: the names and addresses of every namespace and link for these regions and vantages. */
export function netnsPlan(id: string, regions: readonly string[], vantages: readonly string[]): NetnsPlan {
  const prefix = `cw${id}`;
  const place = (kind: Place['kind'], key: string, link: number, short: string): Place => ({
    kind,
    key,
    netns: `${prefix}${short}`,
    address: `10.77.${link}.2`,
    gateway: `10.77.${link}.1`,
    prefix: 24,
    hubLink: `${prefix}h${short}`,
    link: `${prefix}${short}`,
    subnetId: `subnet-${createHash('sha256').update(`${id}/${kind}/${key}`).digest('hex').slice(0, 17)}`,
  });
  return {
    id,
    hub: `${prefix}hub`,
    dnsAddress: DNS_ADDRESS,
    places: [
      place('checker', 'checker', 2, 'chk'),
      ...regions.map((r, i) => place('region', r, 10 + i, `r${i}`)),
      ...vantages.map((v, i) => place('vantage', v, 40 + i, `v${i}`)),
    ],
  };
}

/** The command line that runs `command args` inside a namespace. */
export function inNetns(netns: string, command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'ip', args: ['netns', 'exec', netns, command, ...args] };
}

/** Why namespaces cannot be made here, or undefined when they can (Linux, root, `ip` with netns support). */
export async function netnsUnavailable(ip: IpRunner = runIp): Promise<string | undefined> {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (creating network namespaces needs CAP_SYS_ADMIN)';
  try {
    await ip(['netns', 'list']);
  } catch (err) {
    return `'ip netns' does not work: ${(err as Error).message}`;
  }
  return undefined;
}

/** Creates the hub, every place, their links, routes and resolv.conf files. */
export async function createNetwork(plan: NetnsPlan, ip: IpRunner = runIp): Promise<void> {
  await ip(['netns', 'add', plan.hub]);
  await ip(['-n', plan.hub, 'link', 'set', 'lo', 'up']);
  await ip(['-n', plan.hub, 'address', 'add', `${plan.dnsAddress}/32`, 'dev', 'lo']);
  await ip(['netns', 'exec', plan.hub, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const p of plan.places) {
    await ip(['netns', 'add', p.netns]);
    await ip(['-n', p.netns, 'link', 'set', 'lo', 'up']);
    await ip(['link', 'add', p.hubLink, 'netns', plan.hub, 'type', 'veth', 'peer', 'name', p.link, 'netns', p.netns]);
    await ip(['-n', plan.hub, 'address', 'add', `${p.gateway}/${p.prefix}`, 'dev', p.hubLink]);
    await ip(['-n', plan.hub, 'link', 'set', p.hubLink, 'up']);
    await ip(['-n', p.netns, 'address', 'add', `${p.address}/${p.prefix}`, 'dev', p.link]);
    await ip(['-n', p.netns, 'link', 'set', p.link, 'up']);
    await ip(['-n', p.netns, 'route', 'add', 'default', 'via', p.gateway]);
    const etc = join(NETNS_ETC, p.netns);
    await mkdir(etc, { recursive: true });
    // Short timeouts: a resolver that waits 5 s for a lost answer would hide failover times behind its own retries.
    await writeFile(join(etc, 'resolv.conf'), `nameserver ${plan.dnsAddress}\noptions timeout:1 attempts:2\n`);
  }
}

/** Every namespace whose name starts with `cw<id>`: what one sandbox instance made. */
export async function instanceNamespaces(id: string, ip: IpRunner = runIp): Promise<string[]> {
  const listed = await ip(['netns', 'list']);
  return listed
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(`cw${id}`));
}

/**
 * Removes the namespaces of one instance (their links go with them) and their /etc/netns entries. Safe to call when
 * nothing is left; returns what it removed.
 */
export async function removeNetwork(id: string, ip: IpRunner = runIp): Promise<string[]> {
  const names = await instanceNamespaces(id, ip);
  for (const n of names) await ip(['netns', 'delete', n]).catch(() => {});
  for (const n of names) await rm(join(NETNS_ETC, n), { recursive: true, force: true });
  return names;
}

/**
 * `aws:network:disrupt-connectivity` at the hub: a blackhole route for the region's address drops every packet
 * towards it, so clients and health checkers see connect timeouts and stalled connections, not refusals. Undone by
 * deleting exactly that route.
 */
export async function setReachable(hub: string, address: string, reachable: boolean, ip: IpRunner = runIp): Promise<void> {
  if (reachable) await ip(['-n', hub, 'route', 'del', 'blackhole', `${address}/32`]).catch(() => {});
  else await ip(['-n', hub, 'route', 'replace', 'blackhole', `${address}/32`]);
}
