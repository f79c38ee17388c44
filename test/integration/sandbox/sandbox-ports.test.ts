import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort, isListening } from '../../../sandbox/ports.ts';
import { startSandbox } from '../../../sandbox/sandbox.ts';

// Another listener taking a probed port before the sandbox binds it is a race; these tests make it certain by
// handing the sandbox a port that is already bound, at the n-th port it asks for.
async function listenOnFreePort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0 };
}

/** Hands out `taken` at the n-th call and free ports otherwise; remembers every port it handed out. */
function takenAt(n: number, taken: number): { source: () => Promise<number>; handedOut: number[] } {
  const handedOut: number[] = [];
  let calls = 0;
  const source = async () => {
    const port = ++calls === n ? taken : await freePort();
    handedOut.push(port);
    return port;
  };
  return { source, handedOut };
}

describe('sandbox: a port taken while starting', function () {
  this.timeout(90_000);

  // The first port is a region app's (a child process); the ninth is a vantage listener in this process.
  for (const [n, owner] of [
    [1, 'a region app'],
    [9, 'an edge vantage'],
  ] as const) {
    it(`starts on fresh ports when ${owner}'s port is taken, and leaves nothing of the failed try behind`, async () => {
      const blocker = await listenOnFreePort();
      const ports = takenAt(n, blocker.port);
      const lines: string[] = [];
      const dir = join(tmpdir(), `crosswind-sandbox-ports-${process.pid}-${Date.now()}`);
      const sandbox = await startSandbox({
        stateFile: join(dir, 'state.json'),
        metricsIntervalMs: 0,
        portSource: ports.source,
        log: (line) => lines.push(line),
      });
      try {
        expect(lines.filter((l) => l.includes('retrying with fresh ports'))).to.have.length(1);
        expect(sandbox.state.ports).to.not.include(blocker.port);
        for (const v of sandbox.state.vantages) {
          const res = await fetch(`${v.endpoint}/version`);
          await res.arrayBuffer();
          expect(res.status, v.name).to.equal(200);
        }
      } finally {
        await sandbox.stop();
        await new Promise((resolve) => blocker.server.close(resolve));
      }
      // Both tries' ports: the failed one's as well as the one that started.
      expect(ports.handedOut.length).to.be.greaterThan(sandbox.state.ports.length);
      for (const port of ports.handedOut) expect(await isListening(port), `port ${port}`).to.equal(false);
    });
  }
});
