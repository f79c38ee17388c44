import { readFile } from 'node:fs/promises';
import { InfrastructureError } from '../core/errors.ts';
import { type FaultEvent, faultEvents, type LedgerEntry } from '../core/ledger-entry.ts';
import type { HealthObservation } from './failover-timeline.ts';

async function jsonLines(path: string, what: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InfrastructureError(`cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      cause: err,
    });
  }
  const out: unknown[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
    } catch (err) {
      // A last line cut short is what a process killed mid-append leaves; anything else is corruption.
      if (i === lines.length - 1) return;
      throw new InfrastructureError(`${path}:${i + 1}: not a JSON line (${(err as Error).message})`, { cause: err });
    }
  });
  return out;
}

/** The applied faults of a fault ledger (`ledger.jsonl`). */
export async function readFaults(path: string): Promise<FaultEvent[]> {
  return faultEvents((await jsonLines(path, 'fault ledger')) as LedgerEntry[]);
}

/** Health observations (`health.jsonl`: `{"time":<ms>,"region":..,"healthy":bool,"source":..}`), sorted by time. */
export async function readHealth(path: string): Promise<HealthObservation[]> {
  const out: HealthObservation[] = [];
  for (const raw of await jsonLines(path, 'health observations')) {
    const h = raw as Partial<HealthObservation> & { time?: number | string };
    const time = typeof h.time === 'string' ? Date.parse(h.time) : h.time;
    if (typeof time !== 'number' || Number.isNaN(time) || typeof h.region !== 'string' || typeof h.healthy !== 'boolean') continue;
    out.push({ time, region: h.region, healthy: h.healthy, source: h.source });
  }
  return out.sort((a, b) => a.time - b.time);
}
