import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { gateSchema } from '../../../config/gates-schema.ts';
import { InfrastructureError } from '../../../core/errors.ts';
import type { K6Point } from '../../../core/k6-output.ts';
import { judgeRun } from '../../../validations/judge.ts';
import { readInto, readPoints } from '../../../validations/read-points.ts';
import { SeriesStore } from '../../../validations/series.ts';

function line(metric: string, ms: number, value: number, tags: Record<string, string>): string {
  return JSON.stringify({ metric, type: 'Point', data: { time: new Date(ms).toISOString(), value, tags } });
}

describe('readPoints / readInto', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-read-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('does not keep a process alive with a reading worker started early and never used', () => {
    // As `crosswind gate` with a config that turns out bad: the worker started before it was read, the command ends.
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { startReadWorkerEarly } = await import(${JSON.stringify(new URL('../../../validations/read-parallel.ts', import.meta.url).href)});
startReadWorkerEarly();
console.log('started');`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.error, 'ended by itself').to.equal(undefined);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout.trim()).to.equal('started');
  });

  it('reads plain and gzipped files, skipping a truncated last line', async () => {
    const decl = '{"type":"Metric","data":{"name":"m","type":"trend","contains":"time"},"metric":"m"}';
    const body = [decl, line('m', 1000, 1, { v: 'a' }), line('m', 2000, 2, { v: 'b' })].join('\n');
    await writeFile(join(dir, 'a.ndjson'), `${body}\n{"metric":"m","type":"Poi`);
    await writeFile(join(dir, 'b.ndjson.gz'), gzipSync(`${line('m', 1500, 3, { v: 'a' })}\n`));
    const store = new SeriesStore();
    const stats = await readInto([join(dir, 'a.ndjson'), join(dir, 'b.ndjson.gz')], store.add);
    expect(stats.points).to.equal(3);
    expect(stats.sources).to.equal(2);
    expect(stats.truncatedTail).to.have.length(1);
    expect(store.select('m', { groupBy: ['v'] }).map((g) => [g.label, [...g.values].sort()])).to.deep.equal([
      ['v=a', [1, 3]],
      ['v=b', [2]],
    ]);
  });

  it('streams a large file in small chunks with lines split across chunks', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(line('m', 1000 + i, i, { v: `é${i % 7}` }));
    await writeFile(join(dir, 'big.ndjson'), `${lines.join('\r\n')}\r\n`);
    const store = new SeriesStore();
    const stats = await readInto(join(dir, 'big.ndjson'), store.add, { chunkBytes: 97 });
    expect(stats.points).to.equal(5000);
    expect(stats.slowLines).to.equal(0);
    expect(store.tagValues('m', 'v')).to.have.length(7);
  });

  it('interleaves several sources by time, files and live streams alike', async () => {
    await writeFile(join(dir, 'r1.ndjson'), `${[0, 2, 4].map((t) => line('m', t * 1000, t, {})).join('\n')}\n`);
    async function* live(): AsyncGenerator<K6Point> {
      for (const t of [1, 3, 5]) yield { metric: 'm', time: t * 1000, value: t, tags: {} };
    }
    const seen: number[] = [];
    for await (const p of readPoints([join(dir, 'r1.ndjson'), live()])) seen.push(p.value);
    expect(seen).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('names the file and line of a malformed line and reads on, and fails on a missing file', async () => {
    await writeFile(join(dir, 'bad.ndjson'), `${line('m', 0, 1, {})}\nnot json\n${line('m', 0, 1, {})}\n`);
    const stats = await readInto(join(dir, 'bad.ndjson'), () => {});
    expect(stats.points).to.equal(2);
    expect(stats.rejected).to.have.length(1);
    expect(stats.rejected[0]).to.deep.include({ source: join(dir, 'bad.ndjson'), line: 2 });
    expect(stats.rejected[0]?.reason).to.match(/^not valid JSON/);
    const missing = await readInto(join(dir, 'nope.ndjson'), () => {}).catch((e: unknown) => e);
    expect(missing).to.be.instanceOf(InfrastructureError);
    expect((missing as Error).message).to.contain('no such file');
  });

  it('judges only the points of a time range, for one bake period of a longer stream', async () => {
    const lines: string[] = [];
    for (let s = 0; s < 20; s++) lines.push(line('http_req_failed', s * 1000, s >= 10 ? 1 : 0, { vantage: 'eu' }));
    await writeFile(join(dir, 'range.ndjson'), `${lines.join('\n')}\n`);
    // 0 failures in 10 bound the rate by 26 % at 95 %: a 30 % bound can pass on one half.
    const gates = [gateSchema.parse({ kind: 'error-rate', bound: 0.3, minSamples: 5 })];
    const early = await judgeRun({ sources: join(dir, 'range.ndjson'), gates, timeRange: { end: 10_000 } });
    expect(early.results[0]).to.deep.include({ status: 'pass', samples: 10 });
    const late = await judgeRun({ sources: join(dir, 'range.ndjson'), gates, timeRange: { start: 10_000 } });
    expect(late.results[0]).to.deep.include({ status: 'fail', samples: 10, measured: 1 });
  });

  it('keeps only the tags the gates read, so a url per request does not split the series', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++)
      lines.push(line('http_req_failed', i * 10, 0, { url: `http://127.0.0.1/api/items/${i}`, vantage: i % 2 ? 'eu' : 'us' }));
    await writeFile(join(dir, 'urls.ndjson'), `${lines.join('\n')}\n`);
    const outcome = await judgeRun({ sources: join(dir, 'urls.ndjson'), gates: [gateSchema.parse({ kind: 'error-rate' })] });
    expect(outcome.results.map((r) => [r.groupLabel, r.samples])).to.deep.equal([
      ['vantage=eu', 1500],
      ['vantage=us', 1500],
    ]);
    expect(outcome.store.tagValues('http_req_failed', 'url')).to.deep.equal([]);
  });
});
