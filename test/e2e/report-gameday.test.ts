import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { crosswind } from '../support/cli.ts';
import { checkHtmlReport, type ReportInspection } from '../support/report-checks.ts';
import { writeSandboxProject } from '../support/sandbox-project.ts';

/**
 * The report of a sandbox game day (an outage of us-east-1 forced through its health check), judged by crosswind
 * gate and opened in Chromium: the same checks as any run folder gets (report-checks.ts), on the real thing.
 */
describe('the HTML report of a sandbox game day in Chromium', function () {
  this.timeout(300_000);
  let sandbox: SandboxHandle | undefined;
  let dir: string;
  let seen: ReportInspection;
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-report-gameday-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({ stateFile: state, version: '1.0.0' });
    await writeSandboxProject(dir, state, regions, {
      gameday: {
        targetRegion: 'us-east-1',
        // 20 a second from each vantage: the steady state (errors <= 1 % over the baseline) needs 300 requests.
        ratePerVantage: 20,
        phases: [
          { kind: 'announce' },
          { kind: 'baseline', duration: '6s' },
          { kind: 'inject' },
          { kind: 'observe', duration: '8s' },
          { kind: 'restore' },
          { kind: 'verify-rebalance', duration: '10s', tolerance: 0.2 },
        ],
      },
    });
    const day = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 180_000 });
    const root = join(dir, '.crosswind', 'runs');
    const folder = existsSync(root)
      ? readdirSync(root)
          .filter((n) => n.endsWith('-gameday'))
          .sort()
          .at(-1)
      : undefined;
    expect(folder, `no game-day run folder\n${day.stdout}\n${day.stderr}`).to.be.a('string');
    const run = join(root, folder as string);
    // The report shows the game day's own verdict.json (schema 1). A game day that wrote none in that schema is
    // judged by crosswind gate instead (verdict.json, junit.xml, summary.md, report.html).
    const verdictFile = join(run, 'verdict.json');
    const own = existsSync(verdictFile) ? (JSON.parse(await readFile(verdictFile, 'utf8')) as { schemaVersion?: number }) : {};
    if (own.schemaVersion !== 1) {
      const gate = await crosswind(['gate', '--run', run], { cwd: dir, timeoutMs: 60_000 });
      expect(gate.code, gate.stderr).to.be.oneOf([0, 1, 4]);
    }
    seen = await checkHtmlReport(run, { name: 'sandbox-gameday' });
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('draws the timeline of every vantage with the outage of us-east-1 marked, and the gate table', () => {
    expect(seen.data.faults).to.have.length(1);
    expect(seen.data.faults[0]?.region).to.equal('us-east-1');
    expect(seen.data.faults[0]?.undoneAt).to.be.a('number');
    expect(seen.data.vantages.length).to.be.greaterThan(1);
    expect(seen.data.gates.length).to.be.greaterThan(0);
    expect(seen.data.verdict.kind).to.not.equal('none');
    for (const v of seen.data.vantages) {
      const share = seen.charts.find((c) => c.vantage === v.vantage && c.kind === 'share');
      expect(share?.markers.some((m) => m.kind === 'fault')).to.equal(true);
    }
  });

  it('shows failover rows only for the vantages us-east-1 served before the fault, rates with their interval', () => {
    const affected = (sandbox?.state.vantages ?? []).filter((v) => v.nearestRegion === 'us-east-1').map((v) => v.name);
    expect(affected, 'the sandbox has a vantage nearest us-east-1').to.not.be.empty;
    const perVantage = seen.data.gates.filter((g) => /vantage=/.test(g.group));
    expect(perVantage, 'failover rows per vantage').to.not.be.empty;
    for (const g of perVantage) expect(affected, g.group).to.include(g.group.replace(/^.*vantage=/, ''));
    const rates = seen.data.gates.filter((g) => g.gate.includes('transition error rate'));
    expect(rates).to.not.be.empty;
    for (const g of rates) expect(g.interval, g.group).to.match(/^\[0, [\d.]+\] % at 95 %$/);
    const others = (sandbox?.state.vantages ?? []).map((v) => v.name).filter((n) => !affected.includes(n));
    expect(seen.data.failover[0]?.unaffected).to.have.members(others);
  });
});
