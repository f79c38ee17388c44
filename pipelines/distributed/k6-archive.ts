import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOutcome, runChild } from '../../core/child-process.ts';
import { InfrastructureError } from '../../core/errors.ts';
import { PLAN_ENV } from '../../synthetics/plan.ts';

/**
 * Packs a scenario, everything it imports, the run plan it opens and its options into one k6 archive, with the real
 * k6 (`k6 archive`). The plan's path is recorded in the archive's environment and its content in the archive's
 * files, so a runner needs nothing but the archive.
 * @see https://grafana.com/docs/k6/latest/misc/archive/
 */
export async function k6Archive(options: { k6: string; script: string; plan: unknown }): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'crosswind-archive-'));
  try {
    const planFile = join(dir, 'plan.json');
    const out = join(dir, 'archive.tar');
    await writeFile(planFile, JSON.stringify(options.plan));
    const env = { ...process.env, [PLAN_ENV]: planFile, K6_NO_USAGE_REPORT: 'true' };
    const outcome = await runChild(options.k6, ['archive', '--quiet', '-e', `${PLAN_ENV}=${planFile}`, '-O', out, options.script], {
      env,
      timeoutMs: 120_000,
    });
    if (outcome.code !== 0)
      throw new InfrastructureError(
        `k6 archive ${options.script}: ${describeOutcome('k6', outcome)}: ${outcome.output.slice(-5).join('\n')}`,
      );
    return new Uint8Array(await readFile(out));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
