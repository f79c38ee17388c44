import { z } from './zod.ts';

// One duration grammar for the whole config, k6's own: what k6 takes in `duration`, `timeout` or a stage's length
// is what crosswind takes anywhere a duration goes. A number is milliseconds; text is Go's duration syntax (a
// sequence of decimal numbers, each with a unit: ns, us, µs, ms, s, m, h), optionally after a whole number of days
// (`2d12h`); text that is only a number is milliseconds too.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const DAY_MS = 86_400_000;

/** The longest duration a timer can wait (Node's setTimeout fires at once beyond 2^31-1 ms): 24 days. */
export const MAX_DURATION_MS = 24 * DAY_MS;

/** Go's `time.ParseDuration`, in milliseconds. */
function parseGo(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = /^[+-]/.test(text) ? text.slice(1) : text;
  if (body === '0') return 0;
  if (body === '') return undefined;
  let total = 0;
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < body.length) {
    const m = SEGMENT.exec(body);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return sign * total;
}

/**
 * Milliseconds in a duration exactly as k6 reads one (`1h30m`, `1m30s`, `500ms`, `2d12h`, `1.5s`, `"250"` or the
 * number 250 as milliseconds); undefined when k6 would refuse it. Negative values come back negative. Pure; the one
 * parser for every duration in the config and the flags.
 * @see https://github.com/grafana/k6/blob/master/lib/types/types.go (ParseExtendedDuration)
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (NUMBER.test(value)) return Number(value);
  const d = value.indexOf('d');
  if (d < 0) return parseGo(value);
  const days = value.slice(0, d);
  if (!/^[+-]?\d+$/.test(days)) return undefined;
  const rest = d + 1 < value.length ? parseGo(value.slice(d + 1)) : 0;
  if (rest === undefined || rest < 0) return undefined;
  const n = Number(days);
  return n * DAY_MS + (days.startsWith('-') ? -rest : rest);
}

/** `PT1H30M` → `"1h30m"`: what to write instead of an ISO 8601 duration; undefined when the text is not one. */
function fromIso(text: string): string | undefined {
  const m = /^PT(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(text);
  if (!m) return undefined;
  return `${m[1] ? `${m[1]}h` : ''}${m[2] ? `${m[2]}m` : ''}${m[3] ? `${m[3]}s` : ''}`;
}

const EXPECTED = 'expected a duration like "1h30m", "1m30s" or "500ms" (k6\'s syntax), or milliseconds as a number';

/**
 * Pure: a duration as crosswind takes one, in whole milliseconds: positive (or 0 with `zero: true`, for fields where 0
 * means "none"), at most 24 days (what a timer can wait); or the problem, for the config and the flags alike.
 */
export function readDuration(value: string | number, options: { zero?: boolean } = {}): { ms: number } | { problem: string } {
  const ms = parseDuration(value);
  if (ms === undefined) {
    const iso = typeof value === 'string' ? fromIso(value) : undefined;
    return { problem: iso ? `${EXPECTED}; write "${iso}" instead of ISO 8601` : EXPECTED };
  }
  const whole = Math.round(ms);
  if (whole < 0 || (whole === 0 && !options.zero))
    return { problem: `expected a positive duration${options.zero ? ' or 0' : ' (at least 1ms)'}` };
  if (whole > MAX_DURATION_MS) return { problem: 'expected at most 24d (the longest a timer can wait)' };
  return { ms: whole };
}

/** A duration field of the config schema, read as whole milliseconds (see `readDuration`). */
export function duration(options: { zero?: boolean } = {}) {
  return z.union([z.number(), z.string()], { error: EXPECTED }).transform((v, ctx) => {
    const read = readDuration(v, options);
    if ('ms' in read) return read.ms;
    ctx.addIssue({ code: 'custom', message: read.problem });
    return z.NEVER;
  });
}

/** The usual duration field: positive whole milliseconds. */
export const durationMs = duration();

/**
 * Pure: milliseconds as the ISO 8601 duration AWS APIs take (FIS action `duration`): `90000` → `PT1M30S`.
 * @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html
 */
export function isoDuration(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${+s.toFixed(3)}S` : ''}`;
}

/**
 * Pure: an ISO 8601 duration as AWS APIs answer it (`PT5M`, `PT30S`, `PT1H30M`, `P1D`, `PT0.5S`) in milliseconds;
 * undefined when the text is not one. For reading FIS answers, never for the config, which takes k6's syntax.
 * @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html (durations are ISO 8601)
 */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [, d, h, min, s] = m;
  if (d === undefined && h === undefined && min === undefined && s === undefined) return undefined;
  return Math.round(((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Number(s ?? 0) * 1000);
}
