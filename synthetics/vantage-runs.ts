import type { K6Point } from '../core/k6-output.ts';
import type { K6Run, StartK6RunOptions } from './k6.ts';
import type { K6RunResult } from './k6-result.ts';
import type { PlanVantage } from './plan.ts';

// Vantages that are network places: a k6 process lives in one network namespace, and resolves names with that
// namespace's resolver from that namespace's address, so vantages in different namespaces each get a k6 of their
// own. The runs are presented as one: their points merged as they come, their files listed, stopped together.

/** The command line that runs `command args` inside a namespace. */
export function inNetns(netns: string, command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'ip', args: ['netns', 'exec', netns, command, ...args] };
}

/** Vantages grouped by the namespace they run in (undefined: where crosswind runs), in order of first appearance. */
export function byNamespace(vantages: readonly PlanVantage[]): { netns: string | undefined; vantages: PlanVantage[] }[] {
  const groups: { netns: string | undefined; vantages: PlanVantage[] }[] = [];
  for (const v of vantages) {
    const group = groups.find((g) => g.netns === v.netns);
    if (group) group.vantages.push(v);
    else groups.push({ netns: v.netns, vantages: [v] });
  }
  return groups;
}

/** Interleaves several point streams as their points arrive; ends when every stream has ended. */
async function* merged(streams: AsyncIterable<K6Point>[]): AsyncGenerator<K6Point> {
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map(iterators.map((it, i) => [i, it.next().then((r) => ({ i, r }))]));
  while (pending.size > 0) {
    const { i, r } = await Promise.race(pending.values());
    if (r.done) {
      pending.delete(i);
      continue;
    }
    pending.set(
      i,
      (iterators[i] as AsyncIterator<K6Point>).next().then((next) => ({ i, r: next })),
    );
    yield r.value;
  }
}

const SEVERITY: K6RunResult['kind'][] = ['ok', 'thresholds-failed', 'interrupted', 'aborted', 'failed', 'script-error'];

/** One k6 per namespace group (`<name>.<first vantage>`), presented as one run; the worst ending is the run's. */
export async function startVantageRuns(
  options: StartK6RunOptions,
  groups: { netns: string | undefined; vantages: PlanVantage[] }[],
  startOne: (o: StartK6RunOptions) => Promise<K6Run>,
): Promise<K6Run> {
  const name = options.name ?? options.plan.scenario;
  const runs: K6Run[] = [];
  try {
    for (const g of groups) {
      const plan = { ...options.plan, vantages: g.vantages };
      runs.push(
        await startOne({ ...options, plan, name: `${name}.${g.vantages[0]?.name ?? 'vantage'}`, ...(g.netns ? { netns: g.netns } : {}) }),
      );
    }
  } catch (err) {
    for (const r of runs) r.stop();
    throw err;
  }
  return combineRuns(runs);
}

/** Several k6 runs as one: points merged as they come, every file listed, the worst ending, stopped together. */
export function combineRuns(runs: K6Run[]): K6Run {
  const done = Promise.all(runs.map((r) => r.done)).then((results) =>
    results.reduce((worst, r) => (SEVERITY.indexOf(r.kind) > SEVERITY.indexOf(worst.kind) ? r : worst)),
  );
  done.catch(() => {});
  const first = runs[0] as K6Run;
  return {
    points: { [Symbol.asyncIterator]: () => merged(runs.map((r) => r.points)) },
    done,
    files: first.files,
    sources: runs.flatMap((r) => r.sources),
    stop: () => {
      for (const r of runs) r.stop();
    },
  };
}
