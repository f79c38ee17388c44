import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of crosswind's own package.json, found from this module's location: the repository root when running
 * from sources (`core/`), the installed package's folder when running the build (`dist/core/`). Files that ship
 * beside the code (package.json, the k6 scenarios) are found from here, whichever of the two is running.
 */
export function packageRoot(from = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
