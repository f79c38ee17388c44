import type { Socket as UdpSocket } from 'node:dgram';
import { ntpReply } from '../core/ntp.ts';

// The sandbox's stand-in for the Amazon Time Sync Service: an SNTP server answering with the sandbox's clock, so a
// runner measures its clock offset exactly as one in AWS measures it against 169.254.169.123.

/** Answers every SNTP request on a bound UDP socket; `skewMs` is added to the answers (tests of the correction). */
export function serveTime(socket: UdpSocket, options: { now?: () => number; skewMs?: number } = {}): { stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  const skew = options.skewMs ?? 0;
  socket.on('message', (msg, rinfo) => {
    const received = now() + skew;
    const reply = ntpReply(msg, received, now() + skew);
    if (reply) socket.send(reply, rinfo.port, rinfo.address);
  });
  socket.on('error', () => {});
  return {
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
