import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of the sandbox's ground-truth log: what really happened, with ms timestamps. */
export type GroundTruthEntry =
  | {
      time: number;
      kind: 'health';
      region: string;
      healthCheckId: string;
      /** The status Route 53 reports and routes by (after Inverted/Disabled). */
      healthy: boolean;
      /** What the probes measured, before Inverted/Disabled. */
      measuredHealthy: boolean;
      inverted: boolean;
      disabled: boolean;
      reason: string;
    }
  | { time: number; kind: 'route'; vantage: string; from: string | null; to: string; record: string; allUnhealthy: boolean }
  | {
      time: number;
      kind: 'dns';
      /** The vantage the source address belongs to; null for an address no vantage has. */
      vantage: string | null;
      source: string;
      protocol: 'udp' | 'tcp';
      name: string;
      type: string;
      rcode: string;
      /** The answer section, one `name type data` a record. */
      answer: string[];
      /** The region the answer sends the client to, if it names one. */
      region: string | null;
      /** The smallest TTL in the answer: how long the client may keep it; null without records. */
      ttl: number | null;
    }
  | {
      time: number;
      kind: 'fis-action';
      phase: 'start' | 'stop';
      experimentId: string;
      action: string;
      actionId: string;
      region: string;
      reason: string;
    }
  /** An ECS task the sandbox ran as a process: where (its vantage), and why it started or stopped. */
  | { time: number; kind: 'ecs-task'; phase: 'start' | 'stop'; task: string; region: string; vantage: string; reason: string }
  /** A due EventBridge Scheduler schedule the sandbox fired (schedule-executor.ts). */
  | { time: number; kind: 'schedule'; name: string; group: string; target: string; result: 'ok' | 'failed'; detail: string }
  | { time: number; kind: 'sandbox'; phase: 'ready' | 'stopping'; detail?: string };

/** Appends ground-truth entries to a JSONL file, synchronously so lines keep their order across writers in one process. */
export class GroundTruthLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }
  write(entry: GroundTruthEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }
}

/** Parses a ground-truth log's text; blank lines are skipped. */
export function parseGroundTruth(text: string): GroundTruthEntry[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as GroundTruthEntry);
}
