import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DeadlineError, InfrastructureError } from '../../core/errors.ts';
import { stopChild } from '../stop-child.ts';
import type { RegionAppOptions } from './app.ts';

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));

/** A region app running in its own process. */
export interface RegionProcess {
  region: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Spawns one region app (`node --import tsx sandbox/region-app/main.ts`) and waits for its ready line. Its stdin is a pipe
 * from this process, so if this process dies the app notices the end of stdin and exits: no orphans.
 */
export async function spawnRegionApp(
  options: Omit<RegionAppOptions, 'log'>,
  { deadlineMs = 20_000, log }: { deadlineMs?: number; log?: (line: string) => void } = {},
): Promise<RegionProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  const output: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      output.push(line);
      if (output.length > 50) output.shift();
      log?.(line);
    }
  });
  const stop = () => stopChild(child);
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new DeadlineError(`region app ${options.region}`, deadlineMs));
    }, deadlineMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new InfrastructureError(`region app ${options.region} exited with ${code} before it was ready:\n${output.join('\n')}`));
    });
  });
  return { region: options.region, pid: child.pid ?? 0, stop };
}
