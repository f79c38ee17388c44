// Runners in several regions stamp their points with their own clocks. Each measures its offset against a time
// server (synthetics/runner/clock.ts); before any timeline is built, every point's time is moved by its runner's
// offset, so all vantages and the fault ledger share one clock. Pure: text in, text out, the line's shape kept (the
// NDJSON reader's fast path reads k6's exact layout).

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const TIME_KEY = '"data":{"time":"';

/** Pure: an RFC 3339 time moved by `offsetMs`, written in UTC with microseconds; undefined when it is not one. */
export function shiftTime(text: string, offsetMs: number): string | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) return undefined;
  const t = base + (m[2] ? Number(`0${m[2]}`) * 1000 : 0) + offsetMs;
  let whole = Math.floor(t);
  let micros = Math.round((t - whole) * 1000);
  if (micros === 1000) {
    whole += 1;
    micros = 0;
  }
  return `${new Date(whole).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** Pure: one k6 NDJSON line with its point's time moved by `offsetMs`; other lines (metric definitions) unchanged. */
export function shiftLine(line: string, offsetMs: number): string {
  if (offsetMs === 0) return line;
  const at = line.indexOf(TIME_KEY);
  if (at < 0) return line;
  const start = at + TIME_KEY.length;
  const end = line.indexOf('"', start);
  const shifted = end > start ? shiftTime(line.slice(start, end), offsetMs) : undefined;
  return shifted === undefined ? line : `${line.slice(0, start)}${shifted}${line.slice(end)}`;
}

/** Pure: every line of an NDJSON text moved by `offsetMs`. */
export function shiftLines(text: string, offsetMs: number): string {
  if (offsetMs === 0) return text;
  return text
    .split('\n')
    .map((l) => shiftLine(l, offsetMs))
    .join('\n');
}
