import { type MotoServer, startMoto } from '../../sandbox/moto.ts';

/**
 * The tests' one moto lifecycle: a real moto server for the enclosing `describe`, started by a `before` hook and
 * stopped by an `after` hook. Call it first in the block, so the server is up for the block's own hooks; mocha runs
 * `after` hooks in the order they were declared, so the block's own `after` hooks run with moto already stopped.
 * The returned server answers from the `before` hook on; used earlier (at describe time) it throws, naming why.
 */
export function useMoto(): MotoServer {
  let server: MotoServer | undefined;
  before(async () => {
    server = await startMoto();
  });
  after(async () => {
    await server?.stop();
    server = undefined;
  });
  const running = (): MotoServer => {
    if (!server) throw new Error('moto is not running here: useMoto() starts it in a before hook and stops it after the block');
    return server;
  };
  return {
    get url() {
      return running().url;
    },
    get port() {
      return running().port;
    },
    get pid() {
      return running().pid;
    },
    reset: () => running().reset(),
    stop: () => running().stop(),
  };
}
