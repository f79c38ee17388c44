// The crosswind the end-to-end tests run: built, packed with `npm pack` and installed from the tarball into a project
// of its own, exactly as users get it, then run through that project's `node_modules/.bin/crosswind`. Installing
// takes a minute, so each install is kept under a key made of everything that goes into the package
// (`<tmp>/crosswind-installed/<key>/`): a run whose sources are unchanged reuses it, and a change makes a new one.
// It lives under the system's temporary folder, readable by every user, since tests also run it as another user.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineTmp } from './machine-tmp.ts';
import { REPO } from './repo.ts';

/** What a user has after `npm install <tarball>`: the project, the bin link npm made, the tarball itself. */
export interface InstalledPackage {
  project: string;
  bin: string;
  tarball: string;
}

/** What goes into the package: its folders (the build's inputs and the files that ship) and root files. */
const PACKAGE_FOLDERS = ['cli', 'config', 'core', 'chaos', 'validations', 'pipelines', 'sandbox', 'synthetics', 'examples'];
const PACKAGE_FILES = [
  'package.json',
  'package-lock.json',
  'LICENSE',
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  'scripts/build.mjs',
];
/** Installs unused this long are removed when a new one is made. */
const STALE_MS = 3 * 24 * 3600_000;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

/** The install key: a hash of every file that goes into the package, and the Node major that installs it. */
export function packageKey(root = REPO): string {
  const hash = createHash('sha256').update(`node ${process.versions.node.split('.')[0]}\n`);
  const files = [...PACKAGE_FOLDERS.flatMap((d) => filesUnder(join(root, d))), ...PACKAGE_FILES.map((f) => join(root, f))];
  for (const file of files) {
    if (!existsSync(file)) continue;
    hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // npm and the bin's `#!/usr/bin/env node` use the Node running the tests.
    const env = { ...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` };
    execFile(cmd, args, { cwd, env, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`)) : resolve(stdout),
    );
  });
}

/** Builds, packs and installs into `dir`. */
async function install(dir: string): Promise<void> {
  await mkdir(join(dir, 'project'), { recursive: true });
  await run('npm', ['pack', '--pack-destination', dir], REPO);
  const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  await rename(join(dir, tarball), join(dir, 'crosswind.tgz'));
  await writeFile(join(dir, 'project', 'package.json'), `${JSON.stringify({ name: 'crosswind-user', private: true }, null, 2)}\n`);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, 'crosswind.tgz')], join(dir, 'project'));
}

async function removeStale(root: string, keep: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [])) {
    const path = join(root, name);
    if (name === keep || Date.now() - (await stat(path)).mtimeMs < STALE_MS) continue;
    await rm(path, { recursive: true, force: true });
  }
}

/** Takes `lock` (a directory: made atomically), waiting while another process installs the same key. */
async function withLock<T>(lock: string, ready: () => boolean, work: () => Promise<T | undefined>): Promise<T | undefined> {
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (ready()) return undefined;
      // A lock older than any install is what a killed test run left.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) await rm(lock, { recursive: true, force: true });
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

let installed: Promise<InstalledPackage> | undefined;

/** The installed package for the sources as they are now; built, packed and installed on first use. */
export function installedCrosswind(): Promise<InstalledPackage> {
  installed ??= (async () => {
    // Shared by the runs of these sources: built and installed once, not once a run.
    const root = join(machineTmp, 'crosswind-installed');
    const key = packageKey();
    const dir = join(root, key);
    const result = {
      project: join(dir, 'project'),
      bin: join(dir, 'project', 'node_modules', '.bin', 'crosswind'),
      tarball: join(dir, 'crosswind.tgz'),
    };
    await mkdir(root, { recursive: true, mode: 0o777 });
    await withLock(
      `${dir}.lock`,
      () => existsSync(result.bin),
      async () => {
        if (existsSync(result.bin)) return undefined;
        process.stderr.write(`e2e: building, packing and installing crosswind (${key}) into ${dir}\n`);
        const tmp = await mkdtemp(`${dir}.tmp-`);
        try {
          await install(tmp);
          await chmod(tmp, 0o755);
          await rename(tmp, dir);
        } finally {
          await rm(tmp, { recursive: true, force: true });
        }
        await removeStale(root, key);
        return undefined;
      },
    );
    if (!existsSync(result.bin)) throw new Error(`no crosswind bin at ${result.bin} after installing`);
    await utimes(dir, new Date(), new Date());
    return result;
  })();
  return installed;
}
