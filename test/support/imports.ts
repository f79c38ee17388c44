import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { REPO } from './repo.ts';

/** One relative import between two files of the repo (paths relative to the repo root). */
export interface ImportEdge {
  from: string;
  to: string;
  why?: string;
}

/** Folders that may import anything: tools around the product, not the product. */
const FREE = new Set(['scripts', 'bench', 'test']);

/**
 * What each product folder may import besides itself: cli → pipelines → (synthetics, chaos, validations) → core →
 * config. `sandbox` is the local world: it may use core and config, and only the sandbox command imports it.
 */
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['pipelines', 'synthetics', 'chaos', 'validations', 'core', 'config'],
  pipelines: ['synthetics', 'chaos', 'validations', 'core', 'config'],
  synthetics: ['core', 'config'],
  chaos: ['core', 'config'],
  validations: ['core', 'config'],
  sandbox: ['core', 'config'],
  core: ['config'],
  config: [],
};

/** The one file outside the sandbox allowed to import it. */
const SANDBOX_COMMAND = 'cli/commands/sandbox.ts';

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

/** Every relative import of every tracked product source file (TypeScript and JavaScript, tests and tools excluded). */
export function importEdges(root = REPO): ImportEdge[] {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs', '*.js'], { cwd: root, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((f) => f !== '' && !FREE.has(f.split('/')[0] as string));
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(join(root, from), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2]) as string;
      edges.push({ from, to: normalize(join(dirname(from), spec)) });
    }
  }
  return edges;
}

/** Pure: the edges that break the folder order, each with the rule it breaks. */
export function backwardImports(edges: readonly ImportEdge[]): ImportEdge[] {
  const out: ImportEdge[] = [];
  for (const e of edges) {
    const from = e.from.split('/')[0] as string;
    const to = e.to.split('/')[0] as string;
    if (from === to || FREE.has(from)) continue;
    if (to === 'sandbox') {
      if (e.from !== SANDBOX_COMMAND) out.push({ ...e, why: `only ${SANDBOX_COMMAND} imports the sandbox` });
      continue;
    }
    const allowed = ALLOWED[from];
    if (!allowed) out.push({ ...e, why: `${from}/ is not a known folder of the product` });
    else if (!allowed.includes(to)) out.push({ ...e, why: `${from}/ may import only ${allowed.join(', ') || 'nothing of the project'}` });
  }
  return out;
}
