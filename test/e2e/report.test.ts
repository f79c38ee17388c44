import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type FailoverRun, recordFailoverRun } from '../support/failover-run.ts';
import { checkHtmlReport, colorAt, type ReportInspection } from '../support/report-checks.ts';

/**
 * A verdict.json (schema version 1) for the recorded run, from k6's own end-of-test summary of it: latency p(95)
 * against 500 ms and the error rate against 1 % (the fixture's outage makes that gate fail). It stands in for
 * `crosswind gate --run`, whose JSON reporter writes this format; the report renders whatever verdict.json holds.
 */
async function writeVerdictFromK6Summary(run: FailoverRun): Promise<void> {
  const m = run.summary.metrics;
  const p95 = m.http_req_duration?.values['p(95)'] ?? Number.NaN;
  const requests = m.http_reqs?.values.count ?? 0;
  const errorRate = m.http_req_failed?.values.rate ?? Number.NaN;
  const gate = (kind: string, measure: string, measured: number, bound: number, unit: string) => {
    const status = measured <= bound ? 'pass' : 'fail';
    return {
      gate: kind,
      kind,
      measure,
      group: {},
      groupLabel: 'all',
      status,
      measured,
      op: '<=',
      bound,
      unit,
      samples: requests,
      minSamples: 50,
      reason: `${measure} ${measured} ${status === 'pass' ? '<=' : '>'} ${bound}`,
    };
  };
  const gates = [
    gate('latency', 'p(95) http_req_duration', p95, 500, 'ms'),
    gate('error-rate', 'rate http_req_failed', errorRate, 0.01, 'ratio'),
  ];
  const failed = gates.filter((g) => g.status === 'fail');
  const document = {
    schemaVersion: 1,
    generatedAt: new Date().toISOString(),
    verdict: failed.length ? 'rollback' : 'approve',
    exitCode: failed.length ? 1 : 0,
    reasons: failed.map((g) => ({ gate: g.gate, measure: g.measure, groupLabel: g.groupLabel, message: g.reason })),
    summary: { pass: gates.length - failed.length, fail: failed.length, inconclusive: 0 },
    gates,
  };
  await writeFile(join(run.folder, 'verdict.json'), `${JSON.stringify(document, null, 2)}\n`);
}

describe('the HTML report in Chromium', function () {
  this.timeout(120_000);
  let root: string;
  let run: FailoverRun;
  let seen: ReportInspection;
  const sampled: Record<string, string> = {};

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'crosswind-report-'));
    run = await recordFailoverRun(join(root, '.crosswind', 'runs', '20261123-050000-gameday'));
    await writeVerdictFromK6Summary(run);
    seen = await checkHtmlReport(run.folder, {
      name: 'failover-fixture',
      more: async (page) => {
        // The failover as vantage-us saw it: us-east-1 before the fault, us-west-2 once the outage is over, us-east-1
        // again after the restore; vantage-eu on eu-west-1 throughout.
        sampled.before = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.faultAt - 2000, 0.5);
        sampled.during = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.faultAt + 3000, 0.5);
        sampled.after = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.restoreAt + 1500, 0.5);
        sampled.eu = await colorAt(page, { vantage: 'vantage-eu', kind: 'share' }, run.faultAt + 3000, 0.5);
        sampled.healthDown = await colorAt(page, { vantage: 'vantage-us', kind: 'health' }, run.faultAt + 3000, 1 / 6);
      },
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('is one self-contained file that opens offline, with no page error', async () => {
    const html = await readFile(seen.file, 'utf8');
    expect(html).to.not.match(/<(script|link|img)[^>]+(src|href)=/i);
    expect(seen.foreignRequests).to.deep.equal([]);
    expect(seen.errors).to.deep.equal([]);
  });

  it('puts the verdict on top and lists every gate with measured, bound, samples and verdict', () => {
    expect(seen.data.verdict.kind).to.equal('rollback');
    expect(seen.data.gates.map((g) => g.verdict)).to.deep.equal(['pass', 'fail']);
    expect(seen.data.gates[1]?.samples).to.equal(run.summary.metrics.http_reqs?.values.count);
  });

  it('draws every chart of both vantages, with a legend entry per region and markers at the fault and restore', () => {
    expect(seen.data.vantages.map((v) => v.vantage)).to.deep.equal(['vantage-eu', 'vantage-us']);
    expect(seen.charts).to.have.length(8);
    const share = seen.charts.find((c) => c.vantage === 'vantage-us' && c.kind === 'share');
    expect(share?.legend).to.include.members(['us-east-1', 'us-west-2', 'eu-west-1', 'no region']);
    expect(share?.markers.filter((m) => m.kind === 'fault' || m.kind === 'restore').map((m) => [m.kind, m.at])).to.deep.equal([
      ['fault', run.faultAt],
      ['restore', run.restoreAt],
    ]);
  });

  it('shows the failover on vantage-us and none on vantage-eu', () => {
    expect(sampled.before).to.equal(seen.colors['us-east-1']?.fill);
    expect(sampled.during).to.equal(seen.colors['us-west-2']?.fill);
    expect(sampled.after).to.equal(seen.colors['us-east-1']?.fill);
    expect(sampled.eu).to.equal(seen.colors['eu-west-1']?.fill);
    // us-east-1 is the lowest health row: red while it was down.
    expect(sampled.healthDown).to.equal(seen.colors.__unhealthy?.fill);
  });

  it('counts the outage: the failed requests of vantage-us are the 503s served by no region', () => {
    const us = seen.data.vantages.find((v) => v.vantage === 'vantage-us');
    expect(us?.totals.failed).to.be.greaterThan(0);
    expect(us?.totals.servedBy['no region']).to.equal(us?.totals.failed);
    expect(seen.data.vantages.find((v) => v.vantage === 'vantage-eu')?.totals.failed).to.equal(0);
  });
});
