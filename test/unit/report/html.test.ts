import { expect } from 'chai';
import { loadChartAssets } from '../../../validations/reporters/chart-assets.ts';
import { renderHtmlReport } from '../../../validations/reporters/html.ts';
import type { ReportData } from '../../../validations/reporters/report-data.ts';

const hostile = '</script><img src=x onerror=alert(1)>';

function data(): ReportData {
  return {
    title: `crosswind gameday · ${hostile}`,
    run: { mode: 'gameday', project: hostile, folder: '20261123-050000-gameday' },
    verdict: { kind: 'rollback', reasons: [`gate ${hostile} failed`] },
    gates: [
      {
        gate: hostile,
        group: 'vantage=eu',
        measured: 12.5,
        bound: '<= 10',
        samples: 300,
        unit: 'ms',
        interval: '[11.9, 13.1] ms at 95 %',
        judged: 'whole run; http_req_duration (vantage=eu)',
        verdict: 'fail',
        detail: '',
      },
    ],
    regions: ['us-east-1', 'eu-west-1'],
    window: { start: 1_795_400_000_000, end: 1_795_400_002_000 },
    faults: [{ id: 'f1', kind: 'invert-health-check', region: 'us-east-1', appliedAt: 1_795_400_001_000 }],
    failover: [],
    health: [],
    vantages: [
      {
        vantage: hostile,
        seconds: [1_795_400_000, 1_795_400_001, 1_795_400_002],
        requests: [1, 1, 1],
        share: { 'us-east-1': [100, 100, 100], 'eu-west-1': [0, 0, 0], 'no region': [0, 0, 0] },
        errorRate: [0, 0, 0],
        latency: { p50: [1, 1, 1], p95: [1, 1, 1], p99: [1, 1, 1] },
        totals: { requests: 3, failed: 0, servedBy: { 'us-east-1': 3 }, p95: 1 },
      },
    ],
  };
}

describe('HTML report rendering', () => {
  it('inlines the chart library and its stylesheet, and loads nothing from elsewhere', async () => {
    const assets = await loadChartAssets();
    const html = renderHtmlReport(data(), assets);
    expect(html).to.contain(assets.css.slice(0, 200));
    expect(html).to.contain('var uPlot');
    expect(html).to.not.match(/<(script|link|img|iframe)[^>]*\s(src|href)=/i);
  });

  it('runs its own script as a module compiled from browser/charts.ts: types stripped, nothing imported', async () => {
    const assets = await loadChartAssets();
    const html = renderHtmlReport(data(), assets);
    expect(html, 'the compiled script, inlined as a module').to.contain(`<script type="module">${assets.charts}</script>`);
    expect(assets.charts, 'drawing code').to.contain('window.crosswindCharts = charts');
    expect(assets.charts, 'no import or require: the page has no module loader').to.not.match(/^\s*import\s|\brequire\(/m);
    expect(assets.charts, 'no type annotation left').to.not.match(/: (ChartPayload|DrawnChart|uPlot\.\w+)\b/);
  });

  it('escapes every text from the run, in the markup and in the embedded data', async () => {
    const html = renderHtmlReport(data(), await loadChartAssets());
    expect(html).to.not.contain('<img src=x');
    expect(html.match(/<\/script>/g)).to.have.length(3);
    const json = html.match(/<script type="application\/json" id="cw-data">(.*?)<\/script>/s)?.[1] ?? '';
    expect(JSON.parse(json).vantages[0].vantage).to.equal(hostile);
  });

  it('says an unundone fault plainly, and puts the verdict and gate table in plain HTML', async () => {
    const html = renderHtmlReport(data(), await loadChartAssets());
    expect(html).to.match(
      /<section id="verdict" class="verdict verdict-rollback" data-verdict="rollback">\s*<p class="verdict-word">ROLL BACK<\/p>/,
    );
    expect(html).to.contain('<strong>not undone</strong>');
    expect(html).to.match(
      /<td class="num">12\.5 ms<\/td><td class="num interval">\[11\.9, 13\.1\] ms at 95 %<\/td><td class="num">&lt;= 10 ms<\/td><td class="num">300<\/td><td class="verdict-cell">fail<\/td><td class="judged">whole run; http_req_duration \(vantage=eu\)<\/td>/,
    );
  });
});
