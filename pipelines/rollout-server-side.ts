import { writeFile } from 'node:fs/promises';
import { comparisonGateSchema, type Gate } from '../config/gates-schema.ts';
import type { RolloutConfig } from '../config/rollout-schema.ts';
import { type CloudWatchSender, readMetric } from '../validations/cloudwatch-reader.ts';
import type { WavePhase } from './rollout-effects.ts';
import { PHASE_TAG } from './rollout-gates.ts';

// Like against like on the server's side: the deployed region against every other region on latency the regions
// themselves report to CloudWatch (the load balancer's TargetResponseTime), over the same phase. The runner's distance
// to each region is not in these numbers, so regions at different distances compare fairly.

export type ServerSide = NonNullable<RolloutConfig['comparison']['serverSide']>;

/** The metric the server-side datapoints are recorded under, as k6 points. */
export const SERVER_LATENCY = 'server_latency';

/**
 * Reads each region's server-side latency over `window` with GetMetricData in that region, and writes every datapoint
 * as a k6 point tagged with its region and the phase into `file`: the run folder keeps what CloudWatch said, and the
 * comparison judges it like any k6 output (`crosswind gate --run` too). Returns the datapoints read per region.
 */
export async function recordServerSide(
  serverSide: ServerSide,
  regions: readonly string[],
  clientFor: (region: string) => CloudWatchSender,
  window: { start: number; end: number },
  phase: WavePhase,
  file: string,
): Promise<Record<string, number>> {
  const lines: string[] = [];
  const counts: Record<string, number> = {};
  for (const region of regions) {
    const query = { ...serverSide, dimensions: serverSide.dimensions[region] ?? {} };
    const label = { path: `rollout.comparison.serverSide (${region})`, what: `the server-side latency of ${region}` };
    const series = await readMetric(clientFor(region), query, window, label);
    counts[region] = series.values.length;
    series.values.forEach((value, i) => {
      const time = new Date(series.timestamps[i] as number).toISOString();
      const tags = { target_region: region, [PHASE_TAG]: phase };
      lines.push(JSON.stringify({ metric: SERVER_LATENCY, type: 'Point', data: { time, value, tags } }));
    });
  }
  await writeFile(file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  return counts;
}

/**
 * Pure: after the deploy, the comparison of the region with every other region on the server-side latency of the
 * same phase (shift with its interval, spread), each datapoint a sample. None when not configured, in the baseline,
 * or with no other region.
 */
export function serverSideGates(r: RolloutConfig, region: string, others: readonly string[], phase: WavePhase): Gate[] {
  const s = r.comparison.serverSide;
  if (!s || !r.comparison.enabled || phase === 'baseline' || others.length === 0) return [];
  return [
    comparisonGateSchema.parse({
      kind: 'comparison',
      name: 'server-side',
      metric: SERVER_LATENCY,
      regionTag: 'target_region',
      candidate: region,
      baseline: [...others],
      candidateWhere: { [PHASE_TAG]: phase },
      baselineWhere: { [PHASE_TAG]: phase },
      alpha: r.comparison.alpha,
      maxMedianRatio: r.comparison.maxMedianRatio,
      maxSpreadRatio: r.comparison.maxSpreadRatio,
      minSamples: s.minDatapoints,
    }),
  ];
}
