import { appendFileSync } from 'node:fs';
import { GetHealthCheckStatusCommand, type Route53Client } from '@aws-sdk/client-route-53';
import { healthyFromObservations } from '../chaos/health.ts';

/** One `health.jsonl` line: a region's health as Route 53 reports it, when it was read. */
export interface HealthLine {
  time: number;
  region: string;
  healthy: boolean;
  source: 'route53';
}

export interface HealthWatchOptions {
  route53: Pick<Route53Client, 'send'>;
  /** Regions with a health check id; a region without one cannot be watched. */
  regions: { name: string; healthCheckId: string }[];
  file: string;
  intervalMs: number;
  log?: (line: string) => void;
  now?: () => number;
}

/**
 * Polls GetHealthCheckStatus for every region and appends an observation per read to `health.jsonl`, the input the
 * failover gate's detection time comes from. Reads Route 53's own status (the checkers' observations), never the
 * health check's flags: detection is when Route 53 says unhealthy, not when crosswind asked it to be.
 * @see https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetHealthCheckStatus.html
 */
export function watchHealth(options: HealthWatchOptions): { stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  let stopped = false;
  let errors = 0;
  const read = async () => {
    await Promise.all(
      options.regions.map(async (r) => {
        try {
          const out = await options.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: r.healthCheckId }));
          const healthy = healthyFromObservations((out.HealthCheckObservations ?? []).map((o) => o.StatusReport?.Status));
          if (healthy === undefined || stopped) return;
          const line: HealthLine = { time: now(), region: r.name, healthy, source: 'route53' };
          appendFileSync(options.file, `${JSON.stringify(line)}\n`);
        } catch (err) {
          // One missed read costs resolution, not correctness; say so once in a while rather than fail the drill.
          if (errors++ % 20 === 0) options.log?.(`health watch: GetHealthCheckStatus ${r.healthCheckId} failed: ${(err as Error).message}`);
        }
      }),
    );
  };
  const loop = (async () => {
    while (!stopped) {
      const started = now();
      await read();
      const wait = Math.max(0, options.intervalMs - (now() - started));
      await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
