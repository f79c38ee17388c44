import { expect } from 'chai';
import { loadChartAssets } from '../../../validations/reporters/chart-assets.ts';
import { renderHtmlReport } from '../../../validations/reporters/html.ts';
import { ReportSeriesBuilder } from '../../../validations/reporters/report-data.ts';

// A game day runs the same traffic as several client profiles side by side from each vantage: the report keeps them
// apart, one timeline each (the same vantage's fresh client failed over long before its k6-default one did).

const T0 = Date.UTC(2026, 10, 23, 5, 0, 0);

function build() {
  const b = new ReportSeriesBuilder();
  for (let i = 0; i < 40; i++) {
    const t = T0 + i * 100;
    // fresh moves to us-west-2 after 1 s; k6-default stays on us-east-1.
    b.add('request_duration', { vantage: 'vantage-us', profile: 'fresh', served_by: i < 10 ? 'us-east-1' : 'us-west-2' }, t, 5);
    b.add('http_req_failed', { vantage: 'vantage-us', profile: 'fresh' }, t, 0);
    b.add('request_duration', { vantage: 'vantage-us', profile: 'k6-default', served_by: 'us-east-1' }, t, 5);
    b.add('http_req_failed', { vantage: 'vantage-us', profile: 'k6-default' }, t, i === 3 ? 1 : 0);
  }
  return b.finish(undefined, ['us-east-1', 'us-west-2']);
}

describe('client profiles in the HTML report', () => {
  it('keeps one series per vantage and client profile', () => {
    const { vantages } = build();
    expect(
      vantages.map((v) => [v.vantage, v.profile, v.totals.requests, v.totals.failed, v.totals.servedBy]),
      'each profile its own requests, failures and serving regions',
    ).to.deep.equal([
      ['vantage-us', 'fresh', 40, 0, { 'us-east-1': 10, 'us-west-2': 30 }],
      ['vantage-us', 'k6-default', 40, 1, { 'us-east-1': 40 }],
    ]);
  });

  it('draws a section per vantage and profile, and a table of client-seen failover per vantage and profile', async () => {
    const { vantages, window } = build();
    const html = renderHtmlReport(
      {
        title: 'Game day: us-east-1 out',
        run: { mode: 'gameday', project: 'shop', folder: '20261123-050000-gameday' },
        verdict: { kind: 'approve', reasons: [], warnings: ['informational, not gated: client-seen failover time ... k6-default'] },
        gates: [],
        regions: ['us-east-1', 'us-west-2'],
        window,
        faults: [{ id: 'f1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: T0 + 500, undoneAt: T0 + 3500 }],
        failover: [
          {
            faultId: 'f1',
            region: 'us-east-1',
            detectedAt: T0 + 900,
            vantages: [
              {
                vantage: 'vantage-us',
                profile: 'fresh',
                failoverAt: T0 + 1000,
                failoverSeconds: 0.5,
                transition: { requests: 5, failed: 0 },
              },
              {
                vantage: 'vantage-us',
                profile: 'k6-default',
                failoverSeconds: null,
                transition: { requests: 30, failed: 1 },
                informational: true,
              },
            ],
            unaffected: [],
          },
        ],
        health: [],
        vantages,
      },
      await loadChartAssets(),
    );
    expect(html, 'the fresh section').to.include('<section class="vantage" data-vantage="vantage-us" data-profile="fresh">');
    expect(html, 'the k6-default section').to.include('<section class="vantage" data-vantage="vantage-us" data-profile="k6-default">');
    expect(html, 'named by vantage and profile').to.include('<h2>Vantage vantage-us · client profile k6-default</h2>');
    expect(html, 'the table').to.include('<h3>Client-seen failover per vantage and client profile</h3>');
    const rows = [...html.matchAll(/<tr data-fault="f1" data-vantage="vantage-us" data-profile="([^"]+)">(.*?)<\/tr>/g)].map((m) => [
      m[1],
      (m[2] ?? '').replace(/<[^>]+>/g, '|'),
    ]);
    expect(rows, 'a row per profile: failover time, transition errors, whether it decides').to.deep.equal([
      ['fresh', '|vantage-us||fresh||0.500 s||0 of 5||gated|'],
      ['k6-default', '|vantage-us||k6-default||none seen||1 of 30||informational|'],
    ]);
    expect(html, 'the warning beside the verdict').to.include('<ul class="warnings"><li>⚠ informational, not gated');
  });
});
