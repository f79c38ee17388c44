import { expect } from 'chai';
import { gamedaySchema } from '../../../config/gameday-schema.ts';
import { failoverGateSchema } from '../../../config/gates-schema.ts';
import { gamedayGates, profileGated } from '../../../pipelines/gameday-gates.ts';
import { buildGamedayPlan } from '../../../pipelines/gameday-plan.ts';
import { verdictLines } from '../../../pipelines/run-report.ts';
import type { FaultTimeline, VantageFailover } from '../../../validations/failover-timeline.ts';
import { judgeTimeline } from '../../../validations/gates/failover.ts';
import { renderJunit } from '../../../validations/reporters/junit.ts';
import { renderMarkdown } from '../../../validations/reporters/markdown.ts';
import { verdictDocument } from '../../../validations/reporters/verdict-document.ts';
import { decide } from '../../../validations/verdict.ts';

// A client that caches the answer longer than the record's TTL, or keeps its connection to the failed region, stays
// there as long as it pleases: a game day reports how long, per vantage, without judging the application's failover
// target by it, unless the config gates that profile.

const T0 = Date.UTC(2026, 0, 1);
const defaults = { ttl: 'record', noConnectionReuse: true };

function vantage(profile: string, failoverMs: number | null): VantageFailover {
  return {
    vantage: 'vantage-us-east',
    profile,
    affected: true,
    baselineFromFaulted: 80,
    failoverAt: failoverMs === null ? null : T0 + failoverMs,
    failoverMs,
    transition: { requests: 40, failed: 0, rate: 0 },
    samples: 120,
    observedUntil: T0 + 12_000,
    baselineShare: { 'us-east-1': 1 },
    baselineRequests: 80,
    rebalancedAt: T0 + 14_000,
    rebalanceMs: 1_000,
  };
}

const timeline: FaultTimeline = {
  fault: { id: 'f-1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: T0, undoneAt: T0 + 13_000 },
  detectedAt: T0 + 900,
  detectionMs: 900,
  healthObservations: 4,
  healthObservedUntil: T0 + 13_000,
  // fresh fails over; k6-default (a 5-minute cache) never does within the 12 s watched.
  vantages: [vantage('fresh', 1_200), vantage('k6-default', null)],
};

const gate = (informationalProfiles: string[]) =>
  failoverGateSchema.parse({
    kind: 'failover',
    failoverSeconds: 8,
    transitionErrorRate: 0.25,
    rebalanceSeconds: 15,
    informationalProfiles,
  });

describe('informational client profiles', () => {
  it('a profile is gated by default only when it follows the DNS answer: record TTL or none, a new connection per request', () => {
    expect(profileGated({ name: 'fresh', dns: { ttl: '0' }, noConnectionReuse: true }, defaults), 'no cache, no keep-alive').to.equal(true);
    expect(profileGated({ name: 'record-ttl', dns: { ttl: 'record' } }, defaults), "the record's TTL, the config's reuse").to.equal(true);
    expect(profileGated({ name: 'k6-default', dns: { ttl: '300000ms' }, noConnectionReuse: true }, defaults), 'a 5-minute cache').to.equal(
      false,
    );
    expect(profileGated({ name: 'keep-alive', noConnectionReuse: false }, defaults), 'kept-alive connections').to.equal(false);
    expect(profileGated({ name: 'inf', dns: { ttl: 'inf' } }, defaults), 'a cache that never expires').to.equal(false);
    expect(
      profileGated({ name: 'k6-default', dns: { ttl: '300000ms' }, gated: true }, defaults),
      'the config gates it explicitly',
    ).to.equal(true);
    expect(profileGated({ name: 'fresh', dns: { ttl: '0' }, gated: false }, defaults), 'the config makes it informational').to.equal(false);
    expect(profileGated({ name: 'plain' }, { ttl: '300000ms', noConnectionReuse: true }), "synthetics.dns's 5 minutes").to.equal(false);
  });

  it("the game day's failover gate lists the profiles that are not gated", () => {
    const gameday = gamedaySchema.parse({
      clientProfiles: [
        { name: 'fresh', dns: { ttl: 0 }, noConnectionReuse: true },
        { name: 'record-ttl', dns: { ttl: 'record' }, noConnectionReuse: false },
        { name: 'k6-default', dns: { ttl: '5m' }, noConnectionReuse: true },
        { name: 'gated-cache', dns: { ttl: '5m' }, gated: true },
      ],
    });
    const plan = buildGamedayPlan(gameday, ['us-east-1', 'us-west-2']);
    const [failover] = gamedayGates(gameday, plan, undefined, defaults);
    expect(failover, 'keep-alive and the 5-minute cache are informational').to.deep.include({
      kind: 'failover',
      informationalProfiles: ['record-ttl', 'k6-default'],
    });
  });

  it('marks every result of an informational profile, keeps its measured status, and the verdict ignores it but names it', () => {
    const results = judgeTimeline([timeline], gate(['k6-default']));
    const info = results.filter((r) => r.informational);
    expect(
      info.map((r) => r.group.profile),
      'failover, transition errors and rebalance of k6-default',
    ).to.deep.equal(['k6-default', 'k6-default', 'k6-default']);
    const neverFailedOver = info.find((r) => r.measure === 'client-seen failover time');
    expect(neverFailedOver?.status, 'what was measured: no failover within the 8 s bound').to.equal('fail');
    expect(
      results.filter((r) => !r.informational && r.status !== 'pass'),
      'every gated result holds',
    ).to.deep.equal([]);

    const verdict = decide(results);
    expect(verdict.kind, 'approved on the gated results').to.equal('approve');
    const doc = verdictDocument({ verdict, results }, { now: () => T0 });
    expect(
      doc.informational?.map((w) => w.groupLabel),
      'the verdict names the informational result that did not pass',
    ).to.deep.equal(['fault=f-1,region=us-east-1,vantage=vantage-us-east,profile=k6-default']);
    expect(doc.informational?.[0]?.message, 'as a warning').to.match(/^informational, not gated: client-seen failover time/);
    expect(doc.summary, 'gated results by status, informational ones apart').to.deep.equal({
      pass: 4,
      fail: 0,
      inconclusive: 0,
      informational: 3,
    });

    const lines = verdictLines('Game day: us-east-1 out', { verdict, results });
    expect(lines[0], 'the headline').to.equal('Game day: us-east-1 out: APPROVED');
    expect(lines[1], 'the warning right under it').to.match(
      /^ {2}warning: informational, not gated: client-seen failover time .*profile=k6-default/,
    );
    expect(
      lines.some((l) => l.startsWith('  [FAIL]')),
      'no FAIL mark for what decided nothing',
    ).to.equal(false);
    expect(
      lines.filter((l) => l.startsWith('  [info]')),
      'marked info',
    ).to.have.length(1);

    const md = renderMarkdown({ verdict, results });
    expect(md, 'the Markdown summary warns').to.include('**Warnings (informational, not gated):**');
    expect(md, 'and counts them apart').to.include('4 passed, 0 failed, 0 inconclusive, 3 informational');
    const junit = renderJunit({ verdict, results });
    expect(junit, 'no JUnit failure for an informational result').to.match(/<testsuites [^>]*failures="0"/);
    expect(junit, 'shown as skipped with what it measured').to.include(
      'skipped message="informational, not gated (fail): client-seen failover time',
    );
  });

  it('the same result gated rolls the game day back', () => {
    const results = judgeTimeline([timeline], gate([]));
    expect(
      results.some((r) => r.informational),
      'nothing informational',
    ).to.equal(false);
    expect(decide(results).kind, 'k6-default never failed over within 8 s').to.equal('rollback');
  });

  it('nothing but informational results is inconclusive: nothing gated was judged', () => {
    const results = judgeTimeline([timeline], gate(['fresh', 'k6-default'])).filter((r) => r.informational);
    const verdict = decide(results);
    expect(verdict.kind, 'no gated result').to.equal('inconclusive');
    expect(verdict.kind === 'inconclusive' ? verdict.reasons[0]?.message : '', 'says why').to.match(/only informational results/);
  });
});
