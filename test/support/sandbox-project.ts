import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { crosswind } from './cli.ts';

/**
 * Writes `<dir>/crosswind.config.json` for a project on a running sandbox: the sandbox's state file, its regions
 * allowed and configured, global traffic asking each region for `/version`, then `extra` (gameday, chaos, ...).
 */
export async function writeSandboxProject(
  dir: string,
  state: string,
  regions: readonly string[],
  extra: Record<string, unknown>,
): Promise<void> {
  await writeFile(
    join(dir, 'crosswind.config.json'),
    JSON.stringify({
      project: 'shop',
      sandbox: { state },
      aws: { allowedRegions: regions },
      regions: regions.map((name) => ({ name })),
      synthetics: { globalTraffic: { path: '/version' } },
      ...extra,
    }),
  );
}

/**
 * Runs the project's game day through the installed CLI and returns its run folder, which must hold a verdict. Any
 * verdict (0, 1, 4) will do: the caller judges what is in the folder.
 */
export async function runSandboxGameday(dir: string): Promise<{ run: string; output: string }> {
  const r = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 180_000 });
  expect(r.code, r.stderr + r.stdout).to.be.oneOf([0, 1, 4]);
  const root = join(dir, '.crosswind', 'runs');
  const run = join(
    root,
    readdirSync(root)
      .filter((n) => n.endsWith('-gameday'))
      .sort()
      .at(-1) as string,
  );
  expect(existsSync(join(run, 'verdict.json')), r.stderr).to.equal(true);
  return { run, output: r.stdout + r.stderr };
}
