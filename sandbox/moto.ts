import { closeSync, existsSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
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

// AWS applies each request atomically; moto_server handles requests on concurrent threads, and its S3 PutObject
// checks If-None-Match and stores the object as two steps, so two concurrent creates of one key could both win
// (seen: twenty writers racing for one key, 300 rounds, three processes at once: one round had two winners). The
// sandbox runs moto's own server with its requests handled one at a time (connections still concurrent), which makes
// every moto operation as atomic as the AWS one it emulates. Python's global lock already ran moto's handlers one at
// a time for the most part, so this costs little.
const ONE_REQUEST_AT_A_TIME = `
import sys, threading
import moto.server as server
serve = server.run_simple
one_at_a_time = threading.Lock()
def serialized(app):
    def handle(environ, start_response):
        with one_at_a_time:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                getattr(body, 'close', lambda: None)()
    return handle
server.run_simple = lambda host, port, app, **options: serve(host, port, serialized(app), **options)
server.main(sys.argv[1:])
`;

/**
 * The Python that runs a moto_server script, as a command: its `#!` line (pip writes the interpreter moto is installed
 * in there), else the `python` beside it (pip's `#!/bin/sh` form for long paths; a venv's or pipx's bin, with the
 * script's symlinks followed). Throws an InfrastructureError when it is neither.
 */
export function motoPython(motoServer: string): string[] {
  let script: string;
  try {
    script = realpathSync(motoServer);
  } catch {
    throw new InfrastructureError(
      `moto_server not found at ${motoServer}: set ${MOTO_ENV} to the moto_server of a pip install 'moto[server]'`,
    );
  }
  const fd = openSync(script, 'r');
  const head = Buffer.alloc(512);
  const read = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const first = head.toString('latin1', 0, read).split('\n', 1)[0] ?? '';
  const shebang = first.startsWith('#!') ? first.slice(2).trim().split(/\s+/) : [];
  if (shebang.some((word) => /(^|\/)python[\d.]*$/.test(word))) return shebang;
  const beside = ['python', 'python3'].map((name) => join(dirname(script), name)).find((f) => existsSync(f));
  if (beside) return [beside];
  throw new InfrastructureError(
    `${motoServer} is not moto's Python script (no #!python line, no python beside it): the sandbox runs moto's server module with the Python moto is installed in`,
  );
}

/**
 * Starts moto's server on 127.0.0.1, handling one request at a time, and waits until it answers.
 * @see https://docs.getmoto.org/en/latest/docs/server_mode.html
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  const [python, ...pythonArgs] = motoPython(motoServerPath()) as [string, ...string[]];
  const port = options.port ?? (await freePort());
  const deadlineMs = options.deadlineMs ?? 20_000;
  const child = spawnChild(python, [...pythonArgs, '-c', ONE_REQUEST_AT_A_TIME, '-H', '127.0.0.1', '-p', String(port)], {
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
