import { setTimeout as sleep } from 'node:timers/promises';
import { describeOutcome, spawnChild } from '../core/child-process.ts';
import { DeadlineError, InfrastructureError } from '../core/errors.ts';
import { toolchain } from '../scripts/toolchain.mjs';
import { freePort } from './ports.ts';

/** A moto server: the real AWS API emulator, one loopback port for Route 53, FIS, CloudWatch and STS. */
export interface MotoServer {
  url: string;
  port: number;
  pid: number;
  /** Clears every resource (moto's `POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  port?: number;
  /** How long to wait for the server to answer. */
  deadlineMs?: number;
  /** Receives moto's own output lines, for debugging. */
  log?: (line: string) => void;
}

/**
 * Starts moto_server on 127.0.0.1 and waits until it answers. Throws if the bootstrap has not installed moto, so a
 * test that needs moto fails rather than skips.
 * @see https://docs.getmoto.org/en/latest/docs/server_mode.html
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const { motoServer } = toolchain();
  const port = options.port ?? (await freePort());
  const deadlineMs = options.deadlineMs ?? 20_000;
  const child = spawnChild(motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
    keepLines: 50,
    killAfterMs: 3000,
    onLine: (line) => {
      if (line) options.log?.(line);
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.stop();
    await child.done;
  };
  const started = Date.now();
  for (;;) {
    if (child.exited) {
      const o = await child.done;
      throw new InfrastructureError(`${describeOutcome('moto_server', o)} before answering:\n${o.output.join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > deadlineMs) {
      await stop();
      throw new DeadlineError(`moto_server on port ${port}`, deadlineMs);
    }
    await sleep(100);
  }
  return {
    url,
    port,
    pid: child.pid ?? 0,
    stop,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new InfrastructureError(`moto reset answered ${res.status}`);
    },
  };
}
