import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// A port from bind(0) lies in the kernel's ephemeral range, the same range outgoing connections take their local
// ports from. Between probing such a port and the sandbox binding it (seconds, while moto and the region apps start
// and are polled), an outgoing connection can take it and the bind fails with EADDRINUSE. Ports below that range are
// never handed to outgoing connections, so only another listener can race us there.
const LOWEST_PORT = 20_000;

/** The first port of the kernel's ephemeral range (Linux reads it; elsewhere IANA's 49152). */
export function ephemeralRangeStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(start);
    return Number.isInteger(n) && n > 0 ? n : 49_152;
  } catch {
    return 49_152;
  }
}

// The kernel setting is read once per process, not once per port.
let rangeStart: number | undefined;

// Ports this process has handed out: two callers in one process never get the same port, even before either binds.
const handedOut = new Set<number>();

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range and not handed out before by this
 * process; the caller binds it straight away. Falls back to a kernel-chosen port when the range below is too small.
 */
export async function freePort(): Promise<number> {
  rangeStart ??= ephemeralRangeStart();
  const top = rangeStart;
  const span = top - LOWEST_PORT;
  if (span >= 1000) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidate = LOWEST_PORT + Math.floor(Math.random() * span);
      if (handedOut.has(candidate)) continue;
      if ((await tryBind(candidate)) === candidate) return handOut(candidate);
    }
  }
  for (;;) {
    const port = await tryBind(0);
    if (port !== undefined && !handedOut.has(port)) return handOut(port);
  }
}

function handOut(port: number): number {
  // A long test run starts many sandboxes; forgetting old ports keeps the set small, and they are long bound or freed.
  if (handedOut.size > 5000) handedOut.clear();
  handedOut.add(port);
  return port;
}

/** True when an error says a port was taken between probing and binding. */
export function isAddressInUse(err: unknown): boolean {
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE') return true;
  return err instanceof Error && /EADDRINUSE|address already in use/i.test(err.message);
}

/** True when something accepts connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
