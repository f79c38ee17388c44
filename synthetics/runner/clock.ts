import { createSocket } from 'node:dgram';
import { type NtpSample, ntpRequest, ntpSample } from '../../core/ntp.ts';
import type { ClockReading } from './layout.ts';

/** `host` or `host:port` → where to send NTP requests (port 123 by default). */
export function timeServerAddress(server: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(server);
  return m && !(m[1] as string).includes(':') ? { host: m[1] as string, port: Number(m[2]) } : { host: server, port: 123 };
}

/** One SNTP exchange over UDP; rejects after `timeoutMs`. */
export function queryTimeServer(server: string, timeoutMs: number, now: () => number = Date.now): Promise<NtpSample> {
  const { host, port } = timeServerAddress(server);
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    let sent = 0;
    const done = (err: Error | undefined, sample?: NtpSample) => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(sample as NtpSample);
    };
    const timer = setTimeout(() => done(new Error(`no answer from time server ${server} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(err));
    socket.on('message', (msg) => {
      const sample = ntpSample(msg, sent, now());
      if (sample) done(undefined, sample);
    });
    sent = now();
    socket.send(ntpRequest(sent), port, host);
  });
}

/** Pure: the best of several samples, NTP's way: the one with the shortest round trip bounds the offset tightest. */
export function bestReading(samples: readonly NtpSample[], server: string, at: number): ClockReading | undefined {
  const best = [...samples].sort((a, b) => a.delayMs - b.delayMs)[0];
  if (!best) return undefined;
  return { offsetMs: best.offsetMs, uncertaintyMs: Math.max(0, best.delayMs) / 2, server, at };
}

/**
 * The runner's clock against a time server: a few SNTP exchanges, the tightest kept. Rejects only when none answered.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/set-time.html (the Amazon Time Sync Service, 169.254.169.123)
 */
export async function measureClock(
  server: string,
  options: { samples?: number; timeoutMs?: number; now?: () => number } = {},
): Promise<ClockReading> {
  const now = options.now ?? Date.now;
  const samples: NtpSample[] = [];
  let lastError: Error | undefined;
  for (let i = 0; i < (options.samples ?? 4); i++) {
    try {
      samples.push(await queryTimeServer(server, options.timeoutMs ?? 1000, now));
    } catch (err) {
      lastError = err as Error;
    }
  }
  const reading = bestReading(samples, server, now());
  if (!reading) throw lastError ?? new Error(`no answer from time server ${server}`);
  return reading;
}
