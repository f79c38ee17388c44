import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type CliResult, crosswind } from '../support/cli.ts';
import { type FailoverRun, recordFailoverRun } from '../support/failover-run.ts';
import { checkHtmlReport, colorAt, colorsAlong, type ReportInspection } from '../support/report-checks.ts';

describe('the HTML report in Chromium', function () {
  this.timeout(120_000);
  let root: string;
  let run: FailoverRun;
  let seen: ReportInspection;
  let gate: CliResult;
  const sampled: Record<string, string> = {};
  let alongOutage: string[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'crosswind-report-'));
    run = await recordFailoverRun(join(root, '.crosswind', 'runs', '20261123-050000-gameday'), { durationS: 14 });
    // Judged by the real gate with the default gates (no config in `root`): the outage fails the error-rate and
    // transition gates, so the verdict is a rollback (exit 1). It also writes report.html.
    gate = await crosswind(['gate', '--run', run.folder], { cwd: root, timeoutMs: 60_000 });
    seen = await checkHtmlReport(run.folder, {
      name: 'failover-fixture',
      more: async (page, data) => {
        // The failover as vantage-us saw it: us-east-1 before the fault, us-west-2 once the outage is over, us-east-1
        // again after the restore; vantage-eu on eu-west-1 throughout.
        sampled.before = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.faultAt - 2000, 0.5);
        sampled.during = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.faultAt + 3000, 0.5);
        sampled.after = await colorAt(page, { vantage: 'vantage-us', kind: 'share' }, run.restoreAt + 1500, 0.5);
        sampled.eu = await colorAt(page, { vantage: 'vantage-eu', kind: 'share' }, run.faultAt + 3000, 0.5);
        sampled.healthDown = await colorAt(page, { vantage: 'vantage-us', kind: 'health' }, run.faultAt + 3000, 1 / 6);
        // Every pixel column of us-east-1's unhealthy band, the time axis's grid lines across it included; a quarter
        // second in from its ends, so the 9 pixels a color is read over stay inside it.
        const down = data.health.find((b) => b.region === 'us-east-1' && !b.healthy);
        if (down) alongOutage = await colorsAlong(page, { vantage: 'vantage-us', kind: 'health' }, down.from + 250, down.to - 250, 1 / 6);
      },
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('is one self-contained file that opens offline, with no page error', async () => {
    const html = await readFile(seen.file, 'utf8');
    expect(gate.stdout).to.contain('crosswind gates');
    expect(html).to.not.match(/<(script|link|img)[^>]+(src|href)=/i);
    expect(seen.foreignRequests).to.deep.equal([]);
    expect(seen.errors).to.deep.equal([]);
  });

  it('puts the verdict of crosswind gate on top and lists every gate with measured, bound, samples and verdict', async () => {
    expect(gate.code, gate.stderr).to.equal(1);
    const verdict = JSON.parse(await readFile(join(run.folder, 'verdict.json'), 'utf8')) as {
      verdict: string;
      gates: { status: string; samples: number }[];
    };
    expect(seen.data.verdict.kind).to.equal('rollback').and.equal(verdict.verdict);
    expect(seen.data.gates.map((g) => g.verdict)).to.deep.equal(verdict.gates.map((g) => g.status));
    expect(seen.data.gates.map((g) => g.samples)).to.deep.equal(verdict.gates.map((g) => g.samples));
    const failed = seen.data.gates.filter((g) => g.verdict === 'fail').map((g) => `${g.gate} [${g.group}]`);
    expect(failed).to.include('error-rate: rate http_req_failed [vantage=vantage-us]');
    expect(seen.data.failover[0]?.detectedAt).to.be.greaterThan(run.faultAt);
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
    expect(alongOutage, 'us-east-1 red for the whole of its outage').to.deep.equal([seen.colors.__unhealthy?.fill]);
  });

  it('counts the outage: the failed requests of vantage-us are the 503s served by no region', () => {
    const us = seen.data.vantages.find((v) => v.vantage === 'vantage-us');
    expect(us?.totals.failed).to.be.greaterThan(0);
    expect(us?.totals.servedBy['no region']).to.equal(us?.totals.failed);
    expect(seen.data.vantages.find((v) => v.vantage === 'vantage-eu')?.totals.failed).to.equal(0);
  });
});
