import { expect } from 'chai';
import fc from 'fast-check';
import { type K6Point, parseK6Line, type RejectedLine, valueProblem } from '../../../core/k6-output.ts';
import { K6Scanner, type K6ScanOptions } from '../../../core/k6-scanner.ts';

function scanAll(text: string | Buffer[], options: Partial<K6ScanOptions> = {}) {
  const points: K6Point[] = [];
  const rejected: RejectedLine[] = [];
  const scanner = new K6Scanner({
    sink: (metric, tags, time, value) => points.push({ metric, time, value, tags: { ...tags } }),
    onReject: (r) => rejected.push(r),
    ...options,
  });
  for (const chunk of typeof text === 'string' ? [Buffer.from(text)] : text) scanner.feed(chunk);
  scanner.end();
  return { points, rejected, scanner };
}

const point = (value: string, metric = 'http_req_duration', time = '2026-11-23T04:49:32.52617657Z') =>
  `{"metric":"${metric}","type":"Point","data":{"time":"${time}","value":${value},"tags":{"status":"200","vantage":"eu"}}}`;
const declare = (metric: string, type: string, contains: string) =>
  `{"type":"Metric","data":{"name":"${metric}","type":"${type}","contains":"${contains}","thresholds":[],"submetrics":null},"metric":"${metric}"}`;
const tagValue = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '}', '{', ',', ':', 'é', '\u2028', '0', ' ') });

describe('k6 output lines', () => {
  it('decodes k6 point lines on the fast path', () => {
    const line =
      '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-23T04:49:32.52617657Z","value":1.990098,"tags":{"expected_response":"true","status":"200","vantage":"a\\"b"}}}';
    const { points, scanner } = scanAll(`${line}\n${line}\n`);
    expect(scanner.slowLines, 'lines off the fast path').to.equal(0);
    expect(points).to.have.length(2);
    expect(points[0]).to.deep.equal({
      metric: 'http_req_duration',
      time: Date.parse('2026-11-23T04:49:32.526Z'),
      value: 1.990098,
      tags: { expected_response: 'true', status: '200', vantage: 'a"b' },
    });
  });

  it('gives the same points as parseK6Line for any line k6 could write, and for other shapes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            metric: fc.constantFrom('http_req_duration', 'http_req_failed', 'a"b', 'x\\y'),
            ms: fc.integer({ min: 0, max: 4_000_000_000_000 }),
            frac: fc.constantFrom('', '.5', '.123', '.123456789', '.1234'),
            zone: fc.constantFrom('Z', '+02:00', '-05:30'),
            value: fc.oneof(
              fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
              fc.integer({ min: 0 }).map(String),
              fc.constantFrom('1e-7', '1E+3', '-0', '0.000123', '123456789.123456789', '12345678901234567890', '1.5e300', '0.1'),
            ),
            tags: fc.oneof(fc.dictionary(fc.constantFrom('vantage', 'status', 'served_by', 'k}'), tagValue), fc.constant(null)),
            order: fc.constantFrom('k6', 'reordered', 'metadata'),
          }),
          { maxLength: 30 },
        ),
        (specs) => {
          const lines = specs.map((s) => {
            const iso = new Date(s.ms).toISOString().slice(0, 19) + s.frac + s.zone;
            // Built by hand so the value keeps its exact text (exponents, many digits), as k6 may write it.
            const data = `{"time":${JSON.stringify(iso)},"value":${s.value},"tags":${JSON.stringify(s.tags)}${s.order === 'metadata' ? ',"metadata":{"vu":"1"}' : ''}}`;
            return s.order === 'reordered'
              ? `{"type":"Point","data":${data},"metric":${JSON.stringify(s.metric)}}`
              : `{"metric":${JSON.stringify(s.metric)},"type":"Point","data":${data}}`;
          });
          const expected = lines.map((l) => parseK6Line(l)).flatMap((x) => (x.kind === 'point' ? [x.point] : []));
          expect(scanAll(lines.map((l) => `${l}\n`).join('')).points).to.deep.equal(expected);
        },
      ),
    );
  });

  it('rejects values k6 never writes: empty, hexadecimal, quoted, beyond a double', () => {
    for (const value of ['', '0x0', '"1"', '1e400', 'null', 'NaN']) {
      const parsed = parseK6Line(point(value));
      expect(parsed.kind, `value ${value}`).to.equal('rejected');
      expect(parsed, `value ${value}`).to.include({ metric: 'http_req_duration' });
      const { points, rejected } = scanAll(`${point('1')}\n${point(value)}\n`);
      expect(points, `value ${value}`).to.have.length(1);
      expect(rejected, `value ${value}`).to.have.deep.members([
        { line: 2, metric: 'http_req_duration', reason: (parsed as { reason: string }).reason },
      ]);
    }
  });

  it('rejects times that are not RFC 3339, tags that are not strings, and lines that are not k6 points', () => {
    expect(parseK6Line(point('1', 'm', '2026-11-23 04:49:32Z'))).to.deep.include({ kind: 'rejected', metric: 'm' });
    expect(parseK6Line(point('1', 'm', 'Nov 23 2026'))).to.deep.include({ kind: 'rejected' });
    expect(parseK6Line('{"metric":"m","type":"Point","data":{"time":"2026-11-23T04:49:32Z","value":1,"tags":{"a":1}}}')).to.deep.include({
      kind: 'rejected',
      reason: 'tag a is not a string',
    });
    expect(parseK6Line('{"type":"Other"}').kind).to.equal('rejected');
    expect(parseK6Line('[1]').kind).to.equal('rejected');
    expect(parseK6Line('{"metric":"m","type":"Poi')).to.deep.include({ kind: 'rejected', metric: 'm', malformed: true });
    expect(parseK6Line('  ').kind).to.equal('blank');
    expect(parseK6Line(declare('m', 'trend', 'time'))).to.deep.equal({
      kind: 'metric',
      metric: { metric: 'm', type: 'trend', contains: 'time' },
    });
  });

  it('rejects negative durations and counters that go down, by declaration or because the gates read them so', () => {
    expect(valueProblem('d', -1, { metric: 'd', type: 'trend', contains: 'time' }, false)).to.match(/negative duration/);
    expect(valueProblem('c', -1, { metric: 'c', type: 'counter', contains: 'default' }, false)).to.match(/never decreases/);
    expect(valueProblem('g', -1, { metric: 'g', type: 'gauge', contains: 'default' }, false)).to.equal(undefined);
    expect(valueProblem('r', -1, undefined, true)).to.match(/negative value/);
    const text = [declare('d', 'trend', 'time'), declare('c', 'counter', 'default'), declare('g', 'gauge', 'default')]
      .concat(['d', 'c', 'g', 'x', 'y'].map((m) => point('-9999', m)))
      .join('\n');
    const { points, rejected } = scanAll(`${text}\n`, { nonNegative: new Set(['y']) });
    expect(points.map((p) => p.metric)).to.deep.equal(['g', 'x']);
    expect(rejected.map((r) => [r.line, r.metric])).to.deep.equal([
      [4, 'd'],
      [5, 'c'],
      [8, 'y'],
    ]);
  });

  it('reads only the metrics asked for, and skips the others without parsing them', () => {
    const text = [point('1', 'http_reqs'), '{"metric":"http_reqs","type":"Point" not json', point('2'), point('3', 'data_sent')].join('\n');
    const { points, rejected, scanner } = scanAll(`${text}\n`, { metrics: new Set(['http_req_duration']) });
    expect(points.map((p) => p.value)).to.deep.equal([2]);
    expect(rejected, 'a broken line of a metric no one reads is not read').to.deep.equal([]);
    expect(scanner.line).to.equal(4);
    const unknown = scanAll('not json\n', { metrics: new Set(['http_req_duration']) });
    expect(unknown.rejected, 'a line naming no metric may be any metric').to.have.length(1);
  });

  it('skips a BOM, reads CRLF lines, and notes a final line cut short instead of rejecting it', () => {
    const { points, rejected, scanner } = scanAll([
      Buffer.from([0xef, 0xbb]),
      Buffer.from([0xbf]),
      Buffer.from(`${point('1')}\r\n${point('2').slice(0, 40)}`),
    ]);
    expect(points.map((p) => p.value)).to.deep.equal([1]);
    expect(rejected).to.deep.equal([]);
    expect(scanner.truncatedLine).to.equal(2);
    expect(scanner.slowLines).to.equal(0);
  });

  it('rejects a line far longer than k6 writes as it streams past, holding at most the line limit', () => {
    const maxLineBytes = 1 << 16;
    const chunk = Buffer.alloc(1 << 20, 'x');
    const chunks = [Buffer.from(`${point('1')}\n{"metric":"http_req_duration","type":"Point","data":{"time":"`)];
    for (let i = 0; i < 64; i++) chunks.push(chunk);
    chunks.push(Buffer.from(`"}}\n${point('2')}\n`));
    let held = 0;
    const points: number[] = [];
    const rejected: RejectedLine[] = [];
    const scanner = new K6Scanner({ sink: (_m, _t, _time, v) => points.push(v), onReject: (r) => rejected.push(r), maxLineBytes });
    for (const c of chunks) {
      scanner.feed(c);
      held = Math.max(held, scanner.heldBytes);
    }
    scanner.end();
    expect(points).to.deep.equal([1, 2]);
    expect(rejected).to.deep.equal([
      { line: 2, metric: 'http_req_duration', reason: `line longer than ${maxLineBytes} bytes (k6 writes nothing that long)` },
    ]);
    expect(held, 'bytes held for one line').to.be.at.most(maxLineBytes + 4);
  });
});
