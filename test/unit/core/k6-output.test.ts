import { expect } from 'chai';
import fc from 'fast-check';
import { K6LineDecoder, type K6Point, parseK6Line } from '../../../core/k6-output.ts';

function decodeAll(lines: string[]): { points: K6Point[]; decoder: K6LineDecoder } {
  const decoder = new K6LineDecoder();
  const points: K6Point[] = [];
  for (const l of lines) decoder.decode(l, (metric, tags, time, value) => points.push({ metric, time, value, tags: { ...tags } }));
  return { points, decoder };
}

const tagValue = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '}', '{', ',', ':', 'é', '\u2028', '0', ' ') });

describe('K6LineDecoder', () => {
  it('decodes k6 point lines on the fast path', () => {
    const line =
      '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-23T04:49:32.52617657Z","value":1.990098,"tags":{"expected_response":"true","status":"200","vantage":"a\\"b"}}}';
    const { points, decoder } = decodeAll([line, line]);
    expect(decoder.slowLines).to.equal(0);
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
              fc.integer().map(String),
              fc.constantFrom(
                '1e-7',
                '1E+3',
                '-0',
                '0.000123',
                '123456789.123456789',
                '12345678901234567890',
                '1.5e300',
                '0.1',
                '99.99999999999999',
              ),
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
          const expected = lines
            .map((l) => parseK6Line(l))
            .flatMap((x) => (x?.kind === 'point' && !Number.isNaN(x.point.time) ? [x.point] : []));
          const { points } = decodeAll(lines);
          expect(points).to.deep.equal(expected);
        },
      ),
    );
  });

  it('records metric declarations and ignores foreign lines', () => {
    const { points, decoder } = decodeAll([
      '{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}',
      '{"something":"else"}',
      '',
    ]);
    expect(points).to.deep.equal([]);
    expect(decoder.declarations.get('http_reqs')?.type).to.equal('counter');
  });

  it('throws on malformed JSON', () => {
    expect(() => new K6LineDecoder().decode('{"metric":"x","type":"Poi', () => {})).to.throw();
  });
});
