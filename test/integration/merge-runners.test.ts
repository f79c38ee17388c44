import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { type CliResult, crosswind } from '../support/cli.ts';
import { type FailoverRun, recordFailoverRun } from '../support/failover-run.ts';
import { splitAsRunners } from '../support/split-runners.ts';

interface VerdictJson {
  verdict: string;
  gates: { gate: string; measure: string; groupLabel: string; status: string; measured: number | null; samples: number }[];
  failover?: unknown[];
}

describe('crosswind gate on the outputs of 4 runners', function () {
  this.timeout(120_000);
  let dir: string;
  let run: FailoverRun;
  let single: VerdictJson;
  let merged: VerdictJson;
  let reversed: VerdictJson;
  let runs: CliResult[];
  let runnerFiles: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-merge-'));
    run = await recordFailoverRun(join(dir, 'run'));
    const config = join(dir, 'crosswind.config.json');
    await writeFile(
      config,
      JSON.stringify({
        project: 'merge',
        aws: { accountIds: ['123456789012'] },
        regions: [
          { name: 'us-east-1', endpoint: 'http://127.0.0.1:9/use1' },
          { name: 'us-west-2', endpoint: 'http://127.0.0.1:9/usw2' },
          { name: 'eu-west-1', endpoint: 'http://127.0.0.1:9/euw1' },
        ],
        vantages: run.vantages.map((v) => ({ name: v, endpoint: 'http://127.0.0.1:9/' })),
        gates: {
          checks: [
            { kind: 'latency', name: 'p90', percentile: 90, bound: 1000, groupBy: [], minSamples: 100 },
            { kind: 'latency', name: 'p95', percentile: 95, bound: 1000, groupBy: [], minSamples: 100 },
            { kind: 'latency', name: 'p99', percentile: 99, bound: 1000, groupBy: [], minSamples: 100 },
            { kind: 'latency', name: 'p99-per-vantage', percentile: 99, bound: 1000, groupBy: ['vantage'], minSamples: 100 },
            { kind: 'error-rate', bound: 0.01, groupBy: ['vantage'], minSamples: 100 },
          ],
        },
      }),
    );
    const parts = splitAsRunners(await readFile(run.ndjson, 'utf8'), 4);
    runnerFiles = [];
    for (const [i, text] of parts.entries()) {
      // One runner compressed its output (k6 writes gzip for json=FILE.gz); the gate reads both.
      const file = join(dir, `runner-${i}.ndjson${i === 3 ? '.gz' : ''}`);
      await writeFile(file, i === 3 ? gzipSync(text) : text);
      runnerFiles.push(file);
    }
    const gate = (results: string[], out: string) =>
      crosswind(['gate', '-c', config, '--results', ...results, '--faults', join(run.folder, 'ledger.jsonl'), '--json', out], {
        cwd: dir,
        timeoutMs: 60_000,
      });
    runs = await Promise.all([
      gate([run.ndjson], join(dir, 'single.json')),
      gate(runnerFiles, join(dir, 'merged.json')),
      gate([...runnerFiles].reverse(), join(dir, 'reversed.json')),
    ]);
    const read = async (n: string) => JSON.parse(await readFile(join(dir, `${n}.json`), 'utf8')) as VerdictJson;
    single = await read('single');
    merged = await read('merged');
    reversed = await read('reversed');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('splits the run into 4 real runner outputs: every point in exactly one, each runner with a share of the requests', async () => {
    const count = (text: string, metric: string) =>
      text.split('\n').filter((l) => l.includes(`"metric":"${metric}","type":"Point"`)).length;
    const whole = await readFile(run.ndjson, 'utf8');
    const parts = splitAsRunners(whole, 4);
    for (const metric of ['http_reqs', 'http_req_duration', 'request_duration', 'request_failed']) {
      expect(
        parts.reduce((sum, p) => sum + count(p, metric), 0),
        metric,
      ).to.equal(count(whole, metric));
    }
    const total = count(whole, 'http_reqs');
    for (const p of parts) expect(count(p, 'http_reqs')).to.be.within(Math.floor(total / 4) - 1, Math.ceil(total / 4) + 1);
    expect(parts[2]).to.contain('"instance_id":"2"');
    expect(parts[2]?.split('\n')[0]).to.contain('"type":"Metric"');
  });

  it('gives the same verdict and exit code from the 4 files as from the single file, in any order', () => {
    expect(runs.map((r) => r.code)).to.deep.equal([1, 1, 1]);
    expect(single.verdict).to.equal('rollback');
    expect(merged.verdict).to.equal(single.verdict);
    expect(reversed.verdict).to.equal(single.verdict);
  });

  it('gives the same percentiles, rates, samples and failover times, to the last digit', () => {
    const rows = (v: VerdictJson) => v.gates.map((g) => [g.gate, g.measure, g.groupLabel, g.status, g.measured, g.samples]);
    expect(single.gates.length).to.be.greaterThan(8);
    expect(rows(merged)).to.deep.equal(rows(single));
    expect(rows(reversed)).to.deep.equal(rows(single));
    expect(merged.failover).to.deep.equal(single.failover);
  });

  it("and those percentiles are k6's own end-of-test summary values", () => {
    const k6 = run.summary.metrics.http_req_duration?.values ?? {};
    for (const [gate, p] of [
      ['p90', 'p(90)'],
      ['p95', 'p(95)'],
      ['p99', 'p(99)'],
    ] as const) {
      const row = merged.gates.find((g) => g.gate === gate);
      expect(row?.measured, gate).to.be.closeTo(k6[p] as number, 1e-6);
      expect(row?.samples).to.equal(run.summary.metrics.http_reqs?.values.count);
    }
  });
});
