import { describeOutcome, spawnChild } from '../../core/child-process.ts';
import { DeadlineError, InfrastructureError } from '../../core/errors.ts';
import { inNetns } from '../netns.ts';
import { nodeEntryArgs } from '../node-entry.ts';
import type { RegionAppOptions } from './app.ts';

const NODE_ARGS = nodeEntryArgs('main', import.meta.url);

/** A region app running in its own process. */
export interface RegionProcess {
  region: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Spawns one region app (`node main.js`, or main.ts through tsx from sources) and waits for its ready line. Like every
 * child it dies with this process (core/child-process.ts); its stdin is a pipe from this process too, so it also
 * leaves cleanly when that pipe ends.
 */
export async function spawnRegionApp(
  options: Omit<RegionAppOptions, 'log'>,
  { deadlineMs = 20_000, log, netns }: { deadlineMs?: number; log?: (line: string) => void; netns?: string } = {},
): Promise<RegionProcess> {
  const args = [...NODE_ARGS, JSON.stringify(options)];
  // Inside its region's namespace when there is one: its public address lives there.
  const cmd = netns ? inNetns(netns, process.execPath, args) : { command: process.execPath, args };
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const child = spawnChild(cmd.command, cmd.args, {
    stdin: 'pipe',
    keepLines: 50,
    killAfterMs: 3000,
    onLine(line, stream) {
      if (stream === 'stdout' && line.includes('"ready":true')) ready();
      else if (stream === 'stderr' && line) log?.(line);
    },
  });
  const stop = async () => {
    child.stop();
    await child.done;
  };
  const timeout = new Promise<never>((_, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new DeadlineError(`region app ${options.region}`, deadlineMs));
    }, deadlineMs);
    void isReady.then(() => clearTimeout(timer));
    void child.done.then((o) => {
      clearTimeout(timer);
      reject(
        new InfrastructureError(`region app ${options.region}: ${describeOutcome('it', o)} before it was ready:\n${o.output.join('\n')}`),
      );
    });
  });
  await Promise.race([isReady, timeout]);
  timeout.catch(() => {});
  return { region: options.region, pid: child.pid ?? 0, stop };
}
