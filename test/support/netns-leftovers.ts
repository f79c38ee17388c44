// Loaded before every test run (.mocharc.json): the run's sandboxes name their namespaces, veth links and
// /etc/netns entries `cw<tag>-...` with a tag of its own (CROSSWIND_NETNS_TAG, inherited by every CLI child), and after the last
// test anything still carrying it fails the run, named, after being removed so the machine is left clean. Other runs
// on the same machine (another checkout's suite) claim other tags and are never counted or touched.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processAlive } from '../../core/child-process.ts';
import { machineTmp } from './machine-tmp.ts';

const run = promisify(execFile);
const NETNS_ETC = '/etc/netns';

/** What carries a prefix on this machine: namespaces, links of the root namespace, /etc/netns entries. */
export interface NetnsLeftovers {
  namespaces: string[];
  links: string[];
  etc: string[];
}

async function lines(command: string, args: string[]): Promise<string[]> {
  try {
    return (await run(command, args, { timeout: 10_000 })).stdout.split('\n');
  } catch {
    // No `ip` (or no netns support): nothing of this kind can have been made.
    return [];
  }
}

/** Everything on this machine whose name starts with `prefix`. */
export async function leftovers(prefix: string): Promise<NetnsLeftovers> {
  const namespaces = (await lines('ip', ['netns', 'list'])).map((l) => l.trim().split(/\s+/)[0] ?? '');
  // `ip -o link` lines read `7: name@peer: <...>`.
  const links = (await lines('ip', ['-o', 'link', 'show'])).map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '');
  const etc = await readdir(NETNS_ETC).catch(() => [] as string[]);
  const mine = (names: string[]) => names.filter((n) => n.startsWith(prefix)).sort();
  return { namespaces: mine(namespaces), links: mine(links), etc: mine(etc) };
}

/** Pure: the leftovers in words, or undefined when there are none. */
export function describeLeftovers(prefix: string, left: NetnsLeftovers): string | undefined {
  const parts = [
    left.namespaces.length ? `namespaces ${left.namespaces.join(', ')}` : '',
    left.links.length ? `links ${left.links.join(', ')}` : '',
    left.etc.length ? `${NETNS_ETC} entries ${left.etc.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? `the tests left ${parts.join('; ')} (prefix ${prefix}); removed them` : undefined;
}

async function remove(left: NetnsLeftovers): Promise<void> {
  for (const n of left.namespaces) await run('ip', ['netns', 'delete', n]).catch(() => {});
  for (const l of left.links) await run('ip', ['link', 'delete', l]).catch(() => {});
  for (const e of left.etc) await rm(join(NETNS_ETC, e), { recursive: true, force: true });
}

/** Where runs on this machine claim their tags: one file a tag, holding the claiming process's id. */
export const CLAIMS = join(machineTmp, 'crosswind-netns-tags');

/**
 * Claims a tag for this run, taking over a claim whose process is gone. Two suites running at once on this machine
 * never share a tag, so neither counts, nor removes, what the other made. The claim appears whole (a file written
 * aside, then linked into place): another run never reads it empty and takes it for a gone process's.
 */
export async function claimTag(tag: string): Promise<boolean> {
  const file = join(CLAIMS, tag);
  const aside = `${file}.${process.pid}`;
  await mkdir(CLAIMS, { recursive: true });
  await writeFile(aside, String(process.pid));
  try {
    await link(aside, file);
    return true;
  } catch {
    const owner = Number(await readFile(file, 'utf8').catch(() => ''));
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) return false;
    await rm(file, { force: true });
    return claimTag(tag);
  } finally {
    await rm(aside, { force: true });
  }
}

/** A tag no other run on this machine holds and nothing carries yet, claimed until `releaseTag`. */
export async function claimFreshTag(): Promise<string> {
  for (;;) {
    const tag = randomBytes(1).toString('hex');
    if (!(await claimTag(tag))) continue;
    const left = await leftovers(`cw${tag}-`);
    if (!left.namespaces.length && !left.links.length && !left.etc.length) return tag;
    await releaseTag(tag);
  }
}

/** Gives a tag this process claimed back; a claim another process holds is left alone. */
export async function releaseTag(tag: string): Promise<void> {
  const file = join(CLAIMS, tag);
  if ((await readFile(file, 'utf8').catch(() => '')) === String(process.pid)) await rm(file, { force: true });
}

/**
 * This file's tag: the one the run was given (a test that runs mocha itself claims one for it), else one this process
 * claims. A parallel run's worker runs the root hooks once per file, and gives its tag back after each: it claims the
 * same one again for its next file, or a fresh one if another run took it meanwhile.
 */
async function chooseTag(): Promise<string> {
  const given = process.env.CROSSWIND_NETNS_TAG;
  if (given && given !== own) return given;
  own = own !== undefined && (await claimTag(own)) ? own : await claimFreshTag();
  return own;
}

let prefix: string | undefined;
/** The tag this process claims for each file it runs (none when the run was given one). */
let own: string | undefined;

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    if (process.platform !== 'linux') return;
    const tag = await chooseTag();
    process.env.CROSSWIND_NETNS_TAG = tag;
    prefix = `cw${tag}-`;
  },
  async afterAll(): Promise<void> {
    if (prefix === undefined) return;
    const left = await leftovers(prefix);
    const problem = describeLeftovers(prefix, left);
    if (problem !== undefined) await remove(left);
    if (own !== undefined) await releaseTag(own);
    if (problem !== undefined) throw new Error(problem);
  },
};
