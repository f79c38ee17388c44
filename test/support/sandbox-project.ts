import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
