import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { gateSchema } from '../../../config/gates-schema.ts';
import { ConfigError } from '../../../core/errors.ts';
import { toolchain } from '../../../scripts/toolchain.mjs';
import { judgeRun } from '../../../validations/judge.ts';
import { readInto } from '../../../validations/read-points.ts';
import { percentile, SeriesStore } from '../../../validations/series.ts';
import { runCommand } from '../../support/run-command.ts';

const fixture = fileURLToPath(new URL('../../fixtures/k6/percentiles.ts', import.meta.url));

describe('percentiles from k6 NDJSON equal k6’s own summary (real k6)', function () {
  this.timeout(120_000);
  let server: Server;
  let target: string;
  let dir: string;
  let summary: { metrics: Record<string, Record<string, number>> };
  let plain: string;
  let gz: string;

  before(async () => {
    server = createServer((req, res) => {
      const ms = Number(req.url?.split('/').pop() ?? 0);
      setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'), ms);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    dir = await mkdtemp(join(tmpdir(), 'crosswind-k6-pct-'));
    plain = join(dir, 'points.ndjson');
    gz = join(dir, 'points.ndjson.gz');
    const summaryFile = join(dir, 'summary.json');
    const { code, output } = await runCommand(
      toolchain().k6,
      [
        'run',
        '--quiet',
        '--no-usage-report',
        '--summary-trend-stats',
        'p(90),p(95),p(99),count',
        '--summary-export',
        summaryFile,
        '--out',
        `json=${plain}`,
        '--out',
        `json=${gz}`,
        fixture,
      ],
      { env: { TARGET: target } },
    );
    expect(code, output).to.equal(0);
    summary = JSON.parse(await readFile(summaryFile, 'utf8')) as typeof summary;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  for (const source of ['plain', 'gzipped'] as const) {
    it(`p(90), p(95), p(99) of http_req_duration bit for bit (${source} output)`, async () => {
      const store = new SeriesStore();
      const stats = await readInto(source === 'plain' ? plain : gz, store.add);
      expect(stats.slowLines, 'every k6 point line takes the fast path').to.equal(0);
      const [all] = store.select('http_req_duration');
      const k6 = summary.metrics.http_req_duration as Record<string, number>;
      expect(all?.values.length).to.equal(240);
      for (const p of [90, 95, 99]) {
        const ours = percentile(all?.values ?? [], p);
        const theirs = k6[`p(${p})`] as number;
        expect(theirs, `k6 summary has p(${p})`).to.be.a('number');
        expect(ours, `p(${p})`).to.equal(theirs);
      }
    });
  }

  it('judges the run with the latency gate on the same numbers', async () => {
    const k6 = summary.metrics.http_req_duration as Record<string, number>;
    const gate = gateSchema.parse({ kind: 'latency', percentile: 99, bound: 10_000, groupBy: [] });
    const outcome = await judgeRun({ sources: [gz], gates: [gate] });
    expect(outcome.results[0]?.samples).to.equal(240);
    expect(outcome.results[0]?.measured).to.equal(k6['p(99)']);
    // 240 samples cannot bound a p(99) from above (299 are needed at 95 %): measured, but no evidence of the bound.
    expect(outcome.verdict.kind).to.equal('inconclusive');
    expect(outcome.results[0]?.samplesNeeded).to.equal(299);
    const p95 = gateSchema.parse({ kind: 'latency', percentile: 95, bound: 10_000, groupBy: [] });
    const shown = await judgeRun({ sources: [gz], gates: [p95] });
    expect(shown.results[0]?.measured).to.equal(k6['p(95)']);
    expect(shown.verdict.kind, 'p(95) is bounded by 240 samples').to.equal('approve');
    // The same run's output twice (plain and gzipped) is one runner counted twice: refused, not merged.
    const twice = await judgeRun({ sources: [plain, gz], gates: [gate] }).catch((e: unknown) => e);
    expect(twice).to.be.instanceOf(ConfigError);
  });
});
