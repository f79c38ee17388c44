import { appendFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { RejectedLine } from '../../../core/k6-output.ts';
import { tailPoints } from '../../../synthetics/tail-points.ts';

const point = (metric: string, value: number) =>
  `${JSON.stringify({ type: 'Point', metric, data: { time: '2026-01-01T00:00:00.000Z', value, tags: { vantage: 'v' } } })}\n`;
const declaration = `${JSON.stringify({ type: 'Metric', metric: 'm', data: { type: 'counter', contains: 'default' } })}\n`;

describe('tailing k6 NDJSON output', () => {
  it('yields points as they are written, whole lines only, and ends once the writer finished', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'crosswind-tail-')), 'out.ndjson');
    let finished = false;
    const seen: number[] = [];
    const reading = (async () => {
      for await (const p of tailPoints(file, { finished: () => finished, pollIntervalMs: 5 })) seen.push(p.value);
    })();
    await new Promise((r) => setTimeout(r, 30)); // the file does not exist yet: the tail waits
    await writeFile(file, declaration + point('m', 1));
    const half = point('m', 2);
    await appendFile(file, half.slice(0, 20)); // a line cut in the middle is not parsed early
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).to.deep.equal([1]);
    await appendFile(file, half.slice(20) + point('m', 3));
    await new Promise((r) => setTimeout(r, 40));
    expect(seen).to.deep.equal([1, 2, 3]);
    await appendFile(file, point('m', 4));
    finished = true;
    await reading;
    expect(seen).to.deep.equal([1, 2, 3, 4]);
  });

  it('ends at once when the writer finished without writing anything', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'crosswind-tail-')), 'none.ndjson');
    const points = [];
    for await (const p of tailPoints(file, { finished: () => true })) points.push(p);
    expect(points).to.deep.equal([]);
  });

  it('reports a malformed line by its number and reads on', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'crosswind-tail-')), 'bad.ndjson');
    await writeFile(file, `${point('m', 1)}{"type":\n${point('m', 2)}`);
    const rejected: RejectedLine[] = [];
    const seen: number[] = [];
    for await (const p of tailPoints(file, { finished: () => true, onRejected: (r) => rejected.push(r) })) seen.push(p.value);
    expect(seen).to.deep.equal([1, 2]);
    expect(rejected.map((r) => r.line)).to.deep.equal([2]);
  });

  it('yields only the metrics asked for', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'crosswind-tail-')), 'some.ndjson');
    await writeFile(file, point('m', 1) + point('request_failed', 0) + point('m', 2));
    const seen: string[] = [];
    for await (const p of tailPoints(file, { finished: () => true, metrics: new Set(['request_failed']) })) seen.push(p.metric);
    expect(seen).to.deep.equal(['request_failed']);
  });
});
