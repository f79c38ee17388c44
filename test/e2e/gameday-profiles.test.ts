import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { FaultEvent } from '../../core/ledger-entry.ts';
import type { RequestLogLine } from '../../sandbox/region-app/public-server.ts';
import { type SandboxHandle, startSandbox } from '../../sandbox/sandbox.ts';
import { wireFailover } from '../../validations/ground-truth-check.ts';
import type { VerdictDocument } from '../../validations/reporters/verdict-document.ts';
import { crosswind } from '../support/cli.ts';
import { checkHtmlReport } from '../support/report-checks.ts';

// A game day in the namespace world with three kinds of client side by side, from two vantages: k6 resolves the
// global name itself through the sandbox's name server and keeps (or not) its connections. us-east-1 is taken out
// by forcing its health check unhealthy (the region keeps answering, so every request is on the wire).
const TTL_S = 4;
const CLEAN_WINDOW_S = 2;
const PROFILES = [
  { name: 'fresh', dns: { ttl: 0 }, noConnectionReuse: true },
  { name: 'record-ttl', dns: { ttl: 'record' }, noConnectionReuse: true },
  { name: 'keep-alive', dns: { ttl: 'record' }, noConnectionReuse: false },
];

describe('a game day with three client profiles in the namespace world', function () {
  this.timeout(300_000);
  let sandbox: SandboxHandle | undefined;
  let dir: string;
  let timeline: NonNullable<VerdictDocument['failover']>[number];
  let verdict: VerdictDocument;
  let runFolder: string;
  let appliedAt = 0;
  let wire: ReturnType<typeof wireFailover>;
  let output = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-gameday-profiles-'));
    const state = join(dir, 'state.json');
    sandbox = await startSandbox({
      world: 'netns',
      stateFile: state,
      vantages: ['vantage-us-east', 'vantage-eu'],
      timing: { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 400, dnsTtlMs: TTL_S * 1000, replicationLagMs: 300 },
      metricsIntervalMs: 0,
    });
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
    await writeFile(
      join(dir, 'crosswind.config.json'),
      JSON.stringify({
        project: 'shop',
        sandbox: { state },
        aws: { allowedRegions: regions },
        regions: regions.map((name) => ({ name })),
        synthetics: { globalTraffic: { path: '/version' } },
        gameday: {
          targetRegion: 'us-east-1',
          ratePerVantage: 10,
          clientProfiles: PROFILES,
          phases: [
            // Long enough for the steady state checked on it before the fault (300 clean requests show <= 1 %).
            { kind: 'baseline', duration: '6s' },
            { kind: 'inject' },
            { kind: 'observe', duration: '12s' },
            { kind: 'restore' },
            { kind: 'verify-rebalance', duration: '8s', tolerance: 0.3 },
          ],
          targets: { cleanWindowSeconds: CLEAN_WINDOW_S, failoverSeconds: 60 },
        },
      }),
    );
    const day = await crosswind(['gameday', '--yes', '--no-progress'], { cwd: dir, timeoutMs: 240_000 });
    output = `${day.stdout}\n${day.stderr}`;
    const root = join(dir, '.crosswind', 'runs');
    const folder = existsSync(root)
      ? readdirSync(root)
          .filter((n) => n.endsWith('-gameday'))
          .sort()
          .at(-1)
      : undefined;
    expect(folder, `no game-day run folder\n${output}`).to.be.a('string');
    runFolder = join(root, folder as string);
    verdict = JSON.parse(await readFile(join(runFolder, 'verdict.json'), 'utf8')) as VerdictDocument;
    expect(verdict.failover, `a failover timeline\n${output}`).to.have.length(1);
    timeline = verdict.failover?.[0] as typeof timeline;
    appliedAt = Date.parse(timeline.fault.appliedAt);
    const served: RequestLogLine[] = [];
    for (const r of sandbox.state.regions) {
      for (const line of (await readFile(r.requestLog, 'utf8')).split('\n'))
        if (line.trim()) served.push(JSON.parse(line) as RequestLogLine);
    }
    const undoneAt = timeline.fault.undoneAt ? Date.parse(timeline.fault.undoneAt) : undefined;
    const fault = { ...timeline.fault, appliedAt, ...(undoneAt ? { undoneAt } : {}) } as unknown as FaultEvent;
    wire = wireFailover(
      served.filter((r) => r.path === '/version'),
      fault,
      [fault],
      CLEAN_WINDOW_S * 1000,
    );
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const measured = (vantage: string, profile: string) => {
    const v = timeline.vantages.find((x) => x.vantage === vantage && x.profile === profile);
    expect(
      v,
      `${vantage}/${profile} measured among ${JSON.stringify(timeline.vantages.map((x) => [x.vantage, x.profile, x.failoverSeconds]))}`,
    ).to.not.equal(undefined);
    return v?.failoverSeconds === null || v?.failoverSeconds === undefined ? null : Math.round(v.failoverSeconds * 1000);
  };
  const truth = (vantage: string, profile: string) => {
    const w = wire.find((x) => x.vantage === vantage && x.profile === profile);
    expect(w?.requests, `${vantage}/${profile} on the wire`).to.be.greaterThan(50);
    return w?.failoverAt === null || w?.failoverAt === undefined ? null : w.failoverAt - appliedAt;
  };

  it('measures the affected vantage per profile: fresh first, the record TTL within a TTL after, kept-alive connections never', () => {
    const fresh = measured('vantage-us-east', 'fresh');
    const ttl = measured('vantage-us-east', 'record-ttl');
    const kept = measured('vantage-us-east', 'keep-alive');
    expect(fresh, `fresh resolver, no keep-alive: fails over\n${output}`).to.be.a('number');
    expect(ttl, 'record TTL, no keep-alive: fails over').to.be.a('number');
    expect(ttl as number, 'the cached answer lasts at most the TTL beyond the fresh client').to.be.within(
      (fresh as number) - 500,
      (fresh as number) + TTL_S * 1000 + 500,
    );
    expect(kept, 'kept-alive connections stay pinned to us-east-1, which still answers').to.equal(null);
  });

  it('reports the kept-alive profile as informational: measured, named as a warning, deciding nothing', () => {
    const kept = verdict.gates.filter((g) => g.group.profile === 'keep-alive');
    expect(kept.length, `keep-alive results\n${output}`).to.be.greaterThan(0);
    expect(
      kept.filter((g) => g.informational !== true).map((g) => g.groupLabel),
      'every keep-alive result informational',
    ).to.deep.equal([]);
    expect(
      verdict.gates.filter((g) => g.group.profile && g.group.profile !== 'keep-alive' && g.informational),
      'fresh and record-ttl are gated',
    ).to.deep.equal([]);
    expect(
      verdict.informational?.map((w) => w.groupLabel),
      'its missing failover named beside the verdict',
    ).to.include(`fault=${timeline.fault.id},region=us-east-1,vantage=vantage-us-east,profile=keep-alive`);
    expect(
      verdict.reasons.filter((r) => r.groupLabel.includes('profile=keep-alive')),
      'and not among the reasons of the verdict',
    ).to.deep.equal([]);
    expect(output, 'printed as a warning').to.match(/warning: informational, not gated: client-seen failover time .*profile=keep-alive/);
  });

  it('shows each vantage and client profile on a timeline of its own, with its own failover, in Chromium', async () => {
    let rows: string[][] = [];
    const report = await checkHtmlReport(runFolder, {
      name: 'gameday-profiles',
      more: async (page) => {
        rows = await page.$$eval('table.failover tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        );
      },
    });
    expect(
      report.data.vantages.map((v) => `${v.vantage}/${v.profile}`),
      'a series per vantage and profile',
    ).to.have.members(['vantage-us-east', 'vantage-eu'].flatMap((v) => PROFILES.map((p) => `${v}/${p.name}`)));
    // checkHtmlReport holds each chart to the failover markers of its own vantage and profile; here, that there are some.
    const marked = report.charts.filter((c) => c.kind === 'share' && c.markers.some((m) => m.kind === 'failover'));
    expect(
      marked.map((c) => `${c.vantage}/${c.profile}`),
      'failover marked where it happened: fresh and record-ttl at vantage-us-east',
    ).to.have.members(['vantage-us-east/fresh', 'vantage-us-east/record-ttl']);
    expect(
      rows.map((r) => [r[0], r[1], r[4]]),
      'the table: the affected vantage per profile, and whether it decides',
    ).to.have.deep.members([
      ['vantage-us-east', 'fresh', 'gated'],
      ['vantage-us-east', 'record-ttl', 'gated'],
      ['vantage-us-east', 'keep-alive', 'informational'],
    ]);
    expect(rows.find((r) => r[1] === 'keep-alive')?.[2], 'kept-alive connections never failed over').to.equal('none seen');
  });

  it('agrees with the wire within 0.5 s for every vantage and profile', () => {
    let compared = 0;
    for (const vantage of ['vantage-us-east', 'vantage-eu']) {
      for (const p of PROFILES) {
        const m = measured(vantage, p.name);
        const w = truth(vantage, p.name);
        if (m === null || w === null) expect(m, `${vantage}/${p.name}: both say no failover`).to.equal(w);
        else expect(Math.abs(m - w), `${vantage}/${p.name}: measured ${m} ms, wire ${w} ms`).to.be.at.most(500);
        compared++;
      }
    }
    expect(compared, 'every vantage and profile compared').to.equal(6);
  });
});
