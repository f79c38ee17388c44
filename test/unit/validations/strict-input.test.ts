import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { gatesSchema } from '../../../config/gates-schema.ts';
import { ConfigError } from '../../../core/errors.ts';
import { judgeRun } from '../../../validations/judge.ts';

// k6 input that must never reach an approval: values k6 cannot have written, one run's output counted twice, a line
// that would cost quadratic time. Each case approved (or contradicted itself) before the reader became strict.

const T0 = Date.UTC(2026, 10, 23, 4, 0, 0);
const gates = gatesSchema.parse({}).checks; // p(99) http_req_duration <= 1000 ms, http_req_failed <= 1 %, per vantage

/** k6-shaped lines for `n` requests of one vantage; `failed` requests get `failedValue` as their http_req_failed text. */
function requests(n: number, o: { failedEvery?: number; failedValue?: string; duration?: (i: number) => string } = {}): string {
  const lines = [
    '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"}',
    '{"type":"Metric","data":{"name":"http_req_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"http_req_failed"}',
  ];
  for (let i = 0; i < n; i++) {
    const time = new Date(T0 + i * 100).toISOString().replace('Z', `${String(i).padStart(6, '0')}Z`);
    const failed = o.failedEvery !== undefined && i % o.failedEvery === 0;
    const tags = `{"status":"${failed ? 503 : 200}","vantage":"eu"}`;
    lines.push(
      `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${o.duration?.(i) ?? 20 + (i % 7)},"tags":${tags}}}`,
    );
    lines.push(
      `{"metric":"http_req_failed","type":"Point","data":{"time":"${time}","value":${failed ? (o.failedValue ?? '1') : '0'},"tags":${tags}}}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

describe('k6 input that must not reach a verdict', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-strict-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const bad of ['', '0x0']) {
    it(`does not read 150 failed requests written as "value":${bad} as successes`, async () => {
      const file = join(dir, `invalid-${bad || 'empty'}.ndjson`);
      await writeFile(file, requests(1500, { failedEvery: 10, failedValue: bad }));
      const outcome = await judgeRun({ sources: file, gates });
      expect(outcome.verdict.kind, 'never approved').to.equal('inconclusive');
      expect(outcome.stats.rejectedByMetric).to.deep.equal({ http_req_failed: 150 });
      expect(outcome.stats.rejected[0]).to.deep.include({ source: file, line: 4, metric: 'http_req_failed' });
      const reason = outcome.results.find((r) => r.gate === 'error-rate' && r.status === 'inconclusive')?.reason;
      expect(reason).to.contain(`150 lines of k6 output rejected, first at ${file}:4`);
    });
  }

  it('refuses a file given twice, an identical copy, or a gzipped copy, instead of doubling its samples', async () => {
    const few = join(dir, 'few.ndjson');
    await writeFile(few, requests(60));
    const alone = await judgeRun({ sources: few, gates });
    expect(alone.verdict.kind, '60 samples, 100 needed').to.equal('inconclusive');
    const copy = join(dir, 'few-copy.ndjson');
    await copyFile(few, copy);
    const gz = join(dir, 'few.ndjson.gz');
    await writeFile(gz, gzipSync(requests(60)));
    for (const twice of [
      [few, few],
      [few, copy],
      [copy, gz],
    ]) {
      const err = await judgeRun({ sources: twice, gates }).then(
        (o) => o.verdict.kind,
        (e: unknown) => e,
      );
      expect(err, twice.join(' + ')).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).message)
        .to.contain(twice[0])
        .and.contain(twice[1]);
    }
  });

  it('refuses two files of one k6-operator runner (the same instance_id), and a copy taken while k6 still wrote', async () => {
    const full = requests(300);
    const a = join(dir, 'runner-1a.ndjson');
    const b = join(dir, 'runner-1b.ndjson');
    await writeFile(a, full.replaceAll('"vantage":"eu"', '"instance_id":"1","vantage":"eu"'));
    await writeFile(b, requests(300, { duration: (i) => String(30 + i) }).replaceAll('"vantage":"eu"', '"instance_id":"1","vantage":"eu"'));
    const sameRunner = await judgeRun({ sources: [a, b], gates }).catch((e: unknown) => e);
    expect((sameRunner as Error).message).to.contain('instance_id=1');
    const early = join(dir, 'early.ndjson');
    await writeFile(early, full.slice(0, full.length / 2));
    const whole = join(dir, 'whole.ndjson');
    await writeFile(whole, full);
    const copied = await judgeRun({ sources: [whole, early], gates }).catch((e: unknown) => e);
    expect(copied).to.be.instanceOf(ConfigError);
  });

  it('does not approve negative latencies', async () => {
    const file = join(dir, 'negative.ndjson');
    await writeFile(file, requests(300, { duration: (i) => (i % 2 ? '-9999' : '20') }));
    const outcome = await judgeRun({ sources: file, gates });
    expect(outcome.verdict.kind).to.equal('inconclusive');
    expect(outcome.stats.rejected[0]?.reason).to.equal('negative duration -9999 of http_req_duration');
  });

  it('rejects a latency beyond a double by its line, instead of counting it among too few samples', async () => {
    const file = join(dir, 'huge.ndjson');
    await writeFile(file, requests(300, { duration: (i) => (i === 7 ? '1e400' : '20') }));
    const outcome = await judgeRun({ sources: file, gates });
    expect(outcome.verdict.kind).to.equal('inconclusive');
    const latency = outcome.results.filter((r) => r.gate === 'latency-p99');
    expect(latency.map((r) => r.status)).to.deep.equal(['inconclusive', 'pass']);
    expect(latency[0]?.reason).to.contain(
      `1 line of k6 output rejected, first at ${file}:17: value of http_req_duration is not a finite number`,
    );
  });

  it('rejects a line hundreds of megabytes long in one pass, naming its line', async function () {
    this.timeout(60_000);
    const file = join(dir, 'long.ndjson');
    const head = requests(300);
    const long = `{"metric":"http_req_failed","type":"Point","data":{"time":"2026-11-23T04:00:00Z","value":0,"tags":{"url":"${'x'.repeat(300 << 20)}"}}}`;
    await writeFile(file, `${head}${long}\n`);
    const outcome = await judgeRun({ sources: file, gates });
    expect(outcome.verdict.kind).to.equal('inconclusive');
    expect(outcome.stats.rejected).to.deep.equal([
      { source: file, line: 603, metric: 'http_req_failed', reason: 'line longer than 1048576 bytes (k6 writes nothing that long)' },
    ]);
  });
});
