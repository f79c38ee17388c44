import type { ProbeConfig } from '../config/probe-schema.ts';
import type { ProbeCell } from './probe-metrics.ts';

// The probe: short cycles, because a long single k6 run grows in memory (k6 issues 2367, 4670) and k6's thresholds
// are cumulative (issue 2379). Each cycle's output is kept as a file; the gates judge the last `windowCycles` files
// together, so the window slides by one cycle each time and memory stays bounded by the window, not the run.

/** One cycle's traffic, written to a k6 NDJSON file. */
export interface CycleOutput {
  ndjson: string;
  /** Every NDJSON file of the cycle (one per vantage namespace when k6 ran in several); default `[ndjson]`. */
  sources?: string[];
}

/** What the window's gates said, per vantage and region, and the cells of the newest cycle. */
export interface CycleJudgement {
  /** The newest cycle's counts and latency per vantage and region, with `gatesHeld` from the window. */
  cells: ProbeCell[];
  /** One line per gate result, for the log. */
  lines: string[];
  status: 'pass' | 'fail' | 'inconclusive';
}

export interface ProbeWorld {
  runCycle(index: number, durationMs: number): Promise<CycleOutput>;
  /** Judges the window (oldest first; the last is the newest cycle). */
  judge(window: readonly CycleOutput[]): Promise<CycleJudgement>;
  publish(cells: readonly ProbeCell[], at: Date): Promise<number>;
  createAlarms(cells: readonly ProbeCell[]): Promise<string[]>;
  /** Forget a cycle's output once it has left the window (delete its files). */
  discard(output: CycleOutput): Promise<void>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): Date;
  log(line: string): void;
}

export interface ProbeSummary {
  cycles: number;
  failedCycles: number;
  inconclusiveCycles: number;
  published: number;
  alarms: string[];
}

/** Runs cycles until `probe.cycles` are done (0: until aborted). Never throws for a gate result, only for infrastructure. */
export async function runProbe(probe: ProbeConfig, world: ProbeWorld, signal: AbortSignal): Promise<ProbeSummary> {
  const summary: ProbeSummary = { cycles: 0, failedCycles: 0, inconclusiveCycles: 0, published: 0, alarms: [] };
  const window: CycleOutput[] = [];
  let alarmsCreated = false;
  for (let i = 1; probe.cycles === 0 || i <= probe.cycles; i++) {
    if (signal.aborted) break;
    const output = await world.runCycle(i, probe.cycleDuration);
    window.push(output);
    while (window.length > probe.windowCycles) {
      const old = window.shift();
      if (old) await world.discard(old);
    }
    const judgement = await world.judge(window);
    summary.cycles = i;
    if (judgement.status === 'fail') summary.failedCycles += 1;
    if (judgement.status === 'inconclusive') summary.inconclusiveCycles += 1;
    world.log(`cycle ${i}: ${judgement.status} (window of ${window.length} cycle(s))`);
    for (const line of judgement.lines) world.log(`  ${line}`);
    if (probe.cloudwatch.enabled) {
      summary.published += await world.publish(judgement.cells, world.now());
      if (probe.cloudwatch.createAlarms && !alarmsCreated) {
        summary.alarms = await world.createAlarms(judgement.cells);
        alarmsCreated = true;
      }
    }
    if (probe.pause > 0 && (probe.cycles === 0 || i < probe.cycles)) await world.sleep(probe.pause, signal);
  }
  return summary;
}
