import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigError } from '../../../core/errors.ts';
import { K6TagTable } from '../../../core/k6-scanner.ts';
import { startReadWorkerEarly } from '../../../validations/read-parallel.ts';
import { emptyStats, MAX_LISTED_REJECTIONS, readFileInto, readInto } from '../../../validations/read-points.ts';
import { referenceDuplicate, referenceRead } from '../../support/k6-reference.ts';

// The fast reader against the plain reference (test/support/k6-reference.ts) on random k6 files: the same points,
// the same rejected lines, the same cut-short tail, the same duplicates refused, whatever the chunking.

const METRICS = ['request_duration', 'request_failed', 'http_req_duration', 'http_reqs', 'data_sent'] as const;
const tagText = fc.string({ unit: fc.constantFrom('a', 'Z', '"', '\\', '}', '{', ',', ':', 'é', '\u2028', '0', ' ', '\t'), maxLength: 5 });
const tags = fc.oneof(
  fc.dictionary(fc.constantFrom('vantage', 'status', 'served_by', 'k}', 'a"b', 'é', '10', '9'), tagText, { maxKeys: 5 }),
  // Tag sets that differ only far from their end, as a status before a long shared url does.
  fc.constantFrom('200', '503', '0').map((status) => ({ status, url: 'http://127.0.0.1:8080/api/items/1?with=a-long-query' })),
);
const goodValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer({ min: 0, max: 1_000_000 }).map(String),
  fc.constantFrom('0', '1', '48.806113', '1e-7', '1E+3', '-0', '0.000123', '123456789.123456789', '12345678901234567890', '1.5e300', '0.1'),
);
const badValue = fc.constantFrom(
  '',
  '0x0',
  '1e400',
  '-1e400',
  '-9999',
  '"1"',
  'null',
  'NaN',
  '01',
  '1.',
  '.5',
  '+1',
  '- 1',
  'true',
  '-0.5',
);
const time = fc
  .record({
    ms: fc.integer({ min: 0, max: 4_000_000_000_000 }),
    fraction: fc.stringMatching(/^(\.\d{1,9})?$/),
    zone: fc.constantFrom('Z', 'Z', '+02:00', '-05:30'),
  })
  .map((t) => new Date(t.ms).toISOString().slice(0, 19) + t.fraction + t.zone);
const oddTime = fc.constantFrom(
  '2026-02-30T00:00:00Z',
  '2026-11-23 04:49:32Z',
  '2026-11-23T04:49:32.1234567891Z',
  '2026-11-23T04:49:32.Z',
  '2026',
);

const pointLine = fc
  .record({
    metric: fc.constantFrom(...METRICS),
    time: fc.oneof({ weight: 9, arbitrary: time }, { weight: 1, arbitrary: oddTime }),
    value: fc.oneof({ weight: 6, arbitrary: goodValue }, { weight: 1, arbitrary: badValue }),
    tags: fc.oneof(
      { weight: 8, arbitrary: tags.map((t) => JSON.stringify(t)) },
      { weight: 1, arbitrary: fc.constantFrom('null', '{"a":1}', '[]') },
    ),
    shape: fc.constantFrom('k6', 'k6', 'k6', 'k6', 'metadata', 'reordered', 'spaced'),
    pad: fc.nat({ max: 2 }),
  })
  .map((p) => {
    const data = `{"time":${JSON.stringify(p.time)},"value":${p.value},"tags":${p.tags}${p.shape === 'metadata' ? ',"metadata":{"vu":"1","iter":"7"}' : ''}}`;
    const line =
      p.shape === 'reordered'
        ? `{"type":"Point","data":${data},"metric":"${p.metric}"}`
        : `{"metric":"${p.metric}","type":"Point","data":${data}}`;
    return p.shape === 'spaced' ? line.replace(/,"/g, ', "') + ' '.repeat(p.pad) : line;
  });
const declaration = fc
  .record({
    metric: fc.constantFrom(...METRICS),
    type: fc.constantFrom('counter', 'trend', 'rate', 'gauge'),
    contains: fc.constantFrom('default', 'time'),
  })
  .map(
    (d) =>
      `{"type":"Metric","data":{"name":"${d.metric}","type":"${d.type}","contains":"${d.contains}","thresholds":[],"submetrics":null},"metric":"${d.metric}"}`,
  );
const garbage = fc.constantFrom(
  'not json',
  '{}',
  '[1]',
  '{"type":"Point"}',
  '',
  '   ',
  '{"metric":"request_failed","type":"Poi',
  '{"metric":"","type":"Point","data":{}}',
  '{"metric":"request_failed","type":"Point","data":{"time":"2026-11-23T04:49:32Z","value":1,"tags":{}}} trailing',
  '{"metric":"req\\u0075est_failed","type":"Point","data":{"time":"2026-11-23T04:49:32Z","value":1,"tags":{}}}',
  // A BOM is one only at the start of a file: anywhere else the line is not JSON.
  '\ufeff{"metric":"request_failed","type":"Point","data":{"time":"2026-11-23T04:49:32Z","value":1,"tags":{}}}',
  `{"metric":"request_duration","type":"Point","data":{"time":"2026-11-23T04:49:32Z","value":1,"tags":{"url":"${'x'.repeat(300)}"}}}`,
);
const line = fc.oneof({ weight: 12, arbitrary: pointLine }, { weight: 2, arbitrary: declaration }, { weight: 1, arbitrary: garbage });

const file = fc.record({
  lines: fc.array(line, { maxLength: 80, size: 'max' }),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  cut: fc.option(fc.nat(), { nil: undefined }),
  gzip: fc.boolean(),
  /** A k6-operator runner's `instance_id` tag on every point. */
  instance: fc.option(fc.constantFrom('1', '2'), { nil: undefined }),
});
/** How a later file relates to the first: its own content, an exact copy, a gzipped copy, or the first lines only. */
const copy = fc.constantFrom('own', 'own', 'own', 'same', 'gzip', 'prefix');

function bytesOf(f: { lines: string[]; crlf: boolean; bom: boolean; cut?: number; gzip: boolean; instance?: string }): Buffer {
  const eol = f.crlf ? '\r\n' : '\n';
  const tag = (l: string) =>
    f.instance === undefined
      ? l
      : l.replace(/"tags":\{(\}?)/, (_, close: string) => `"tags":{"instance_id":"${f.instance}"${close || ','}`);
  let text = f.lines.map((l) => tag(l) + eol).join('');
  if (f.cut !== undefined && f.lines.length) text = text.slice(0, text.length - eol.length - (f.cut % (f.lines.at(-1)?.length ?? 1)));
  const raw = Buffer.concat([f.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
  return f.gzip ? gzipSync(raw) : raw;
}

const canonical = (t: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.fromEntries(Object.entries(t).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

describe('the fast k6 reader equals the plain reference', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-equivalence-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  let n = 0;
  /** The property, on one or two threads, over `runs` random cases. */
  const property = (threads: 1 | 2, runs: number) =>
    fc.assert(
      fc.asyncProperty(
        fc.record({
          files: fc.array(fc.tuple(file, copy), { minLength: 1, maxLength: 3 }),
          metrics: fc.option(fc.subarray([...METRICS], { minLength: 1 }), { nil: undefined }),
          nonNegative: fc.subarray([...METRICS]),
          maxLineBytes: fc.constantFrom(200, 400, 1 << 20),
          chunkBytes: fc.constantFrom(5, 64, 1000, 1 << 16),
          /** On two threads: the file cut into this many blocks (or fewer, one a byte), the first few read here. */
          blocks: fc.integer({ min: 2, max: 40 }),
          callerBlocks: fc.integer({ min: 1, max: 3 }),
          /** On two threads: the worker started before the read (as `crosswind gate` starts it before its config). */
          early: fc.boolean(),
        }),
        async (c) => {
          const first = bytesOf(c.files[0]?.[0] as Parameters<typeof bytesOf>[0]);
          const contents = c.files.map(([f, how], i) => {
            if (i === 0 || how === 'own') return bytesOf(f);
            const f0 = c.files[0]?.[0] as Parameters<typeof bytesOf>[0];
            if (how === 'same') return first;
            if (how === 'gzip') return bytesOf({ ...f0, gzip: true });
            return bytesOf({ ...f0, lines: f0.lines.slice(0, Math.ceil(f0.lines.length / 2)), cut: undefined });
          });
          const paths = contents.map((_, i) => join(dir, `${n}-${i}.ndjson`));
          n++;
          await Promise.all(paths.map((p, i) => writeFile(p, contents[i] as Buffer)));
          const options = {
            metrics: c.metrics ? new Set<string>(c.metrics) : undefined,
            nonNegative: new Set<string>(c.nonNegative),
            maxLineBytes: c.maxLineBytes,
            chunkBytes: c.chunkBytes,
            threads,
          };
          const expected = contents.map((b) => referenceRead(b, options));
          const table = new K6TagTable();
          for (const [i, path] of paths.entries()) {
            const seen: { metric: string; tags: string; time: number; value: number }[] = [];
            const stats = emptyStats();
            const size = (contents[i] as Buffer).length;
            const blockBytes = Math.max(1, Math.floor(size / c.blocks));
            const blocks = Math.ceil(size / blockBytes);
            const callerBlocks = Math.max(1, Math.min(c.callerBlocks, blocks - 1));
            if (threads === 2 && c.early) startReadWorkerEarly();
            await readFileInto(path, (metric, t, time, value) => seen.push({ metric, tags: canonical(t), time, value }), stats, {
              ...options,
              tags: table,
              blockBytes,
              callerBlocks,
            });
            const want = expected[i] as ReturnType<typeof referenceRead>;
            expect(seen, `points of file ${i}`).to.deep.equal(want.points.map(({ ns: _, ...p }) => p));
            expect(stats.lines, 'lines').to.equal(want.lines);
            expect(stats.rejected.map((r) => ({ line: r.line, ...(r.metric !== undefined ? { metric: r.metric } : {}) }))).to.deep.equal(
              want.rejected.slice(0, MAX_LISTED_REJECTIONS),
            );
            expect(
              Object.values(stats.rejectedByMetric).reduce((a, b) => a + b, 0),
              'rejected lines',
            ).to.equal(want.rejected.length);
            // A gzipped file is read on one thread; a plain one in more than one block has the worker read the rest.
            const gzipped = (contents[i] as Buffer)[0] === 0x1f && (contents[i] as Buffer)[1] === 0x8b;
            expect(stats.twoThreadFiles, 'files the worker read blocks of').to.equal(threads === 2 && !gzipped && blocks > 1 ? 1 : 0);
            expect(stats.truncatedTail, 'cut-short tail').to.deep.equal(want.truncated === undefined ? [] : [`${path}:${want.truncated}`]);
          }
          let duplicate = false;
          for (let i = 0; i < expected.length; i++)
            for (let j = i + 1; j < expected.length; j++)
              duplicate ||=
                referenceDuplicate(expected[i] as ReturnType<typeof referenceRead>, expected[j] as ReturnType<typeof referenceRead>) !==
                undefined;
          const refused = await readInto(paths, () => {}, options).then(
            () => false,
            (err: unknown) => {
              if (err instanceof ConfigError) return true;
              throw err;
            },
          );
          expect(refused, 'refused as one run read twice').to.equal(duplicate);
        },
      ),
      { numRuns: Number(process.env.EQUIVALENCE_RUNS ?? runs) },
    );

  it('on random k6 files: points, rejected lines, cut-short tails and duplicates', () => property(1, 300));

  // Two threads, by blocks of bytes: this one takes the first few, the worker the rest. Fewer cases: each file
  // starts a worker thread.
  it('and the same on two threads', () => property(2, 40));
});
