// The gates a run judged its k6 output with, recorded in its run folder (`gates.json`), so that judging the folder
// again (`crosswind gate --run`, a CI gate job after a wave job) asks the questions the run itself asked: a rollout
// wave's comparison of its region against the others, not a failover gate because its ledger exists.
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import type { Gate } from '../config/gates-schema.ts';
import { type JudgeOptions, type JudgeOutcome, judgeRun } from './judge.ts';
import { emptyStats, type ReadStats } from './read-points.ts';
import { decide } from './verdict.ts';

/** The file in a run folder that records its judgements. */
export const RUN_GATES_FILE = 'gates.json';

/** One judgement of a run: these k6 outputs against these gates. */
export interface RecordedJudgement {
  /** Prefixed to each result's gate name (`us-east-1 traffic`), as the run printed it. */
  label?: string;
  /** k6 NDJSON files, relative to the run folder when inside it. */
  sources: string[];
  gates: Gate[];
}

/** Writes the run's judgements, sources relative to the folder so the folder can move (a CI artifact does). */
export async function writeRunGates(runDir: string, judgements: readonly RecordedJudgement[]): Promise<string> {
  const file = join(runDir, RUN_GATES_FILE);
  const portable = judgements.map((j) => ({ ...j, sources: j.sources.map((s) => (isAbsolute(s) ? relative(runDir, s) : s)) }));
  await writeFile(file, `${JSON.stringify({ version: 1, judgements: portable }, null, 2)}\n`);
  return file;
}

/** The run's recorded judgements, sources resolved against the folder; undefined when the run recorded none. */
export async function readRunGates(runDir: string): Promise<RecordedJudgement[] | undefined> {
  let text: string;
  try {
    text = await readFile(join(runDir, RUN_GATES_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const doc = JSON.parse(text) as { version?: number; judgements?: RecordedJudgement[] };
  if (doc.version !== 1 || !Array.isArray(doc.judgements))
    throw new Error(`${join(runDir, RUN_GATES_FILE)}: expected version 1 judgements`);
  // The schema is loaded only when a run recorded its gates.
  const { gateSchema } = await import('../config/gates-schema.ts');
  return doc.judgements.map((j) => ({
    ...j,
    sources: j.sources.map((s) => (isAbsolute(s) ? s : join(runDir, s))),
    gates: j.gates.map((g) => gateSchema.parse(g)),
  }));
}

/** The reading statistics of several judgements as one: counts added, lists joined, rejections per metric summed. */
function mergeStats(all: readonly ReadStats[]): ReadStats {
  const out = emptyStats() as unknown as Record<string, unknown>;
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      const have = out[key];
      if (typeof value === 'number') out[key] = ((have as number | undefined) ?? 0) + value;
      else if (Array.isArray(value)) out[key] = [...((have as unknown[] | undefined) ?? []), ...value];
      else if (key === 'rejectedByMetric') {
        const sum = { ...(have as Record<string, number>) };
        for (const [m, n] of Object.entries(value as Record<string, number>)) sum[m] = (sum[m] ?? 0) + n;
        out[key] = sum;
      }
    }
  }
  return out as unknown as ReadStats;
}

/**
 * Judges every recorded judgement again and decides over all their results together, as the run did. Throws when
 * there is nothing to judge: a run folder whose record names no gate proves nothing.
 */
export async function judgeRecorded(
  judgements: readonly RecordedJudgement[],
  options: Omit<JudgeOptions, 'sources' | 'gates'>,
): Promise<JudgeOutcome> {
  const outcomes: JudgeOutcome[] = [];
  for (const j of judgements) outcomes.push(await judgeRun({ ...options, sources: j.sources, gates: j.gates }));
  const last = outcomes.at(-1);
  if (!last || judgements.every((j) => j.gates.length === 0)) throw new Error(`${RUN_GATES_FILE} records no gate`);
  const results = outcomes.flatMap((o, i) => {
    const label = judgements[i]?.label;
    return o.results.map((r) => (label ? { ...r, gate: `${label}: ${r.gate}` } : r));
  });
  const spans = outcomes.flatMap((o) => (o.span ? [o.span] : []));
  return {
    ...last,
    verdict: decide(results),
    results,
    stats: mergeStats(outcomes.map((o) => o.stats)),
    ...(spans.length ? { span: { start: Math.min(...spans.map((s) => s.start)), end: Math.max(...spans.map((s) => s.end)) } } : {}),
    failover: outcomes.flatMap((o) => o.failover),
  };
}
