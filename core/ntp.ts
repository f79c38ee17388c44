// SNTP's 48-byte packet (RFC 4330): what a remote runner asks a time server (the Amazon Time Sync Service in AWS, the
// sandbox's own server locally) to learn how far its clock is from the server's. Shared by the runner's client and
// the sandbox's server, so both speak the same bytes. Pure.

/** Seconds from the NTP era (1900-01-01) to the Unix epoch. */
const NTP_EPOCH_OFFSET_S = 2_208_988_800;
const PACKET = 48;

/** Pure: ms since the Unix epoch → an NTP timestamp (seconds and fraction since 1900) written at `at`. */
export function writeNtpTime(buf: Buffer, at: number, ms: number): void {
  const seconds = Math.floor(ms / 1000) + NTP_EPOCH_OFFSET_S;
  const fraction = Math.round(((ms % 1000) / 1000) * 2 ** 32) % 2 ** 32;
  buf.writeUInt32BE(seconds >>> 0, at);
  buf.writeUInt32BE(fraction >>> 0, at + 4);
}

/** Pure: the NTP timestamp at `at` → ms since the Unix epoch. */
export function readNtpTime(buf: Buffer, at: number): number {
  const seconds = buf.readUInt32BE(at) - NTP_EPOCH_OFFSET_S;
  return seconds * 1000 + (buf.readUInt32BE(at + 4) / 2 ** 32) * 1000;
}

/** Pure: a client request (version 4, mode 3) with its transmit time. */
export function ntpRequest(transmitMs: number): Buffer {
  const buf = Buffer.alloc(PACKET);
  buf[0] = (0 << 6) | (4 << 3) | 3;
  writeNtpTime(buf, 40, transmitMs);
  return buf;
}

/**
 * Pure: a server's answer (mode 4, stratum 1) to `request`, received at `receivedMs` and sent at `transmitMs` by the
 * server's clock; the request's transmit time is echoed as the originate time. Undefined for anything but a client
 * request.
 */
export function ntpReply(request: Buffer, receivedMs: number, transmitMs: number): Buffer | undefined {
  if (request.length < PACKET || ((request[0] as number) & 0x07) !== 3) return undefined;
  const buf = Buffer.alloc(PACKET);
  buf[0] = (0 << 6) | (4 << 3) | 4;
  buf[1] = 1;
  buf.write('LOCL', 12, 'ascii');
  request.copy(buf, 24, 40, 48);
  writeNtpTime(buf, 16, receivedMs);
  writeNtpTime(buf, 32, receivedMs);
  writeNtpTime(buf, 40, transmitMs);
  return buf;
}

/** One exchange's result: NTP's offset (server minus client clock) and round-trip delay, in ms. */
export interface NtpSample {
  offsetMs: number;
  delayMs: number;
}

/**
 * Pure: offset and delay of one exchange (RFC 4330 section 5): the client sent at `sentMs` and received the reply at
 * `receivedMs`, both by its own clock. Undefined when the reply is not a server's answer to that request.
 */
export function ntpSample(reply: Buffer, sentMs: number, receivedMs: number): NtpSample | undefined {
  if (reply.length < PACKET || ((reply[0] as number) & 0x07) !== 4) return undefined;
  // The originate field must echo our request's transmit time; anything else answers another request.
  if (Math.abs(readNtpTime(reply, 24) - sentMs) > 1) return undefined;
  const t2 = readNtpTime(reply, 32);
  const t3 = readNtpTime(reply, 40);
  return { offsetMs: (t2 - sentMs + (t3 - receivedMs)) / 2, delayMs: receivedMs - sentMs - (t3 - t2) };
}
