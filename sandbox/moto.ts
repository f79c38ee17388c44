import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describeOutcome, spawnChild } from '../core/child-process.ts';
import { InfrastructureError } from '../core/errors.ts';
import { pollUntil } from '../core/poll.ts';
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

/** Names the moto_server executable the sandbox runs. */
export const MOTO_ENV = 'CROSSWIND_MOTO';

/** The moto the test bootstrap caches (`<cache>/moto-<version>/bin/moto_server`), newest version first. */
function bootstrapMoto(env: NodeJS.ProcessEnv): string | undefined {
  const cache = env.CROSSWIND_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'crosswind');
  if (!existsSync(cache)) return undefined;
  const venvs = readdirSync(cache)
    .filter((d) => d.startsWith('moto-'))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return venvs.map((d) => join(cache, d, 'bin', 'moto_server')).find((f) => existsSync(f));
}

/**
 * moto_server: CROSSWIND_MOTO, else on PATH, else the one the bootstrap cached. Throws an InfrastructureError saying
 * what to install when there is none, so a test that needs moto fails rather than skips.
 */
export function motoServerPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env[MOTO_ENV]) return env[MOTO_ENV];
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'moto_server'))
    .find((f) => existsSync(f));
  const found = onPath ?? bootstrapMoto(env);
  if (!found) {
    throw new InfrastructureError(
      `moto_server not found: the sandbox runs moto as its AWS control plane; pip install 'moto[server]' (or npm run bootstrap in a clone), then put moto_server on PATH or set ${MOTO_ENV}`,
    );
  }
  return found;
}

/**
 * Starts moto_server on 127.0.0.1 and waits until it answers.
 * @see https://docs.getmoto.org/en/latest/docs/server_mode.html
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const motoServer = motoServerPath();
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
  /** Whether moto answers yet (false while it is not listening), or has exited. */
  const state = async (): Promise<'exited' | 'up' | 'down'> => {
    if (child.exited) return 'exited';
    try {
      const res = await fetch(`${url}/moto-api/data.json`);
      await res.arrayBuffer();
      return res.ok ? 'up' : 'down';
    } catch {
      return 'down';
    }
  };
  const ended = await pollUntil(state, (s) => s !== 'down', { resource: `moto_server on port ${port}`, intervalMs: 100, deadlineMs }).catch(
    async (err: unknown) => {
      await stop();
      throw err;
    },
  );
  if (ended === 'exited') {
    const o = await child.done;
    throw new InfrastructureError(`${describeOutcome('moto_server', o)} before answering:\n${o.output.join('\n')}`);
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
