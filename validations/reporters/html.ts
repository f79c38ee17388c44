import type { ChartAssets } from './chart-assets.ts';
import {
  type ChartColors,
  type ChartPayload,
  type FixedSeries,
  type GateRow,
  NO_REGION,
  type ReportData,
  type SeriesColor,
  type VantageSeries,
} from './report-data.ts';

/**
 * The HTML report: one self-contained file that opens offline (the charting library, its stylesheet and the data
 * are inlined; nothing is fetched). The verdict, gate table, faults, health changes and per-vantage totals are plain
 * HTML readable without scripts; the timelines are drawn by uPlot from the embedded data. Pure: data in, string out.
 */
export function renderHtmlReport(data: ReportData, assets: ChartAssets): string {
  const colors = colorsFor(data.regions);
  const payload: ChartPayload = { ...data, colors, noRegion: NO_REGION };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="crosswind">
<title>${esc(data.title)} · ${esc(data.run.folder)}</title>
<style>${inlineCss(assets.css)}</style>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${esc(data.title)}</h1>
  <p class="run">run <code>${esc(data.run.folder)}</code>${timespan(data)}</p>
</header>
${verdictBanner(data)}
<main>
<section id="gates">
  <h2>Gates</h2>
  ${gateTable(data.gates)}
</section>
<section id="faults">
  <h2>Faults</h2>
  ${faultTable(data)}
  ${failoverTable(data)}
</section>
${data.vantages.map((v) => vantageSection(v, data)).join('\n')}
<section id="health">
  <h2>Health-check changes</h2>
  ${healthTable(data)}
</section>
</main>
<footer>Written by crosswind. Charts drawn with uPlot ${esc(assets.version)} (MIT), inlined. Times are UTC.${
    data.servedMetric ? ` Traffic shares from the <code>served_by</code> tag of <code>${esc(data.servedMetric)}</code>.` : ''
  }</footer>
<noscript><p class="noscript">Charts need JavaScript; every table above reads without it.</p></noscript>
<script type="application/json" id="cw-data">${jsonForScript(payload)}</script>
<script>${inlineScript(assets.script)}</script>
<script type="module">${inlineScript(assets.charts)}</script>
</body>
</html>
`;
}

/** Stroke and fill per region (stable by position), plus the fixed colors of the other series. */
export function colorsFor(regions: readonly string[]): ChartColors {
  const out: Record<string, SeriesColor> = {};
  regions.forEach((r, i) => {
    out[r] = PALETTE[i % PALETTE.length] as SeriesColor;
  });
  out[NO_REGION] = { stroke: '#6b6b6b', fill: '#c8c8c8' };
  return { ...out, ...FIXED_COLORS };
}

const FIXED_COLORS: Record<FixedSeries, SeriesColor> = {
  __errors: { stroke: '#c0392b', fill: '#f2c4bf' },
  __rps: { stroke: '#7f8c8d', fill: '#dfe4e4' },
  __p50: { stroke: '#3b8bd0', fill: '#3b8bd0' },
  __p95: { stroke: '#8e44ad', fill: '#8e44ad' },
  __p99: { stroke: '#e67e22', fill: '#e67e22' },
  __healthy: { stroke: '#2e9e5b', fill: '#2e9e5b' },
  __unhealthy: { stroke: '#d43c3c', fill: '#d43c3c' },
};

// Opaque fills: the stacked share chart relies on each band covering the ones below it.
const PALETTE = [
  { stroke: '#1f5f99', fill: '#5b9bd5' },
  { stroke: '#2d7a3e', fill: '#70ad47' },
  { stroke: '#a35f00', fill: '#ffc000' },
  { stroke: '#6a3d9a', fill: '#b294d6' },
  { stroke: '#a0522d', fill: '#e6a57e' },
  { stroke: '#117a7a', fill: '#5cc8c8' },
];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** JSON inside a script element: `<` escaped so no string in the data can close the element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function inlineScript(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script');
}

function inlineCss(css: string): string {
  return css.replace(/<\/style/gi, '<\\/style');
}

const iso = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');

function timespan(data: ReportData): string {
  const from = data.run.startedAt ?? new Date(data.window.start).toISOString();
  const to = data.run.endedAt ?? new Date(data.window.end + 1000).toISOString();
  return ` · ${esc(data.run.mode)} · ${esc(iso(Date.parse(from)))} → ${esc(iso(Date.parse(to)))}`;
}

const VERDICT_TEXT = { approve: 'APPROVED', rollback: 'ROLL BACK', inconclusive: 'INCONCLUSIVE', none: 'NO VERDICT' } as const;

function verdictBanner(data: ReportData): string {
  const { kind, reasons } = data.verdict;
  const warnings = 'warnings' in data.verdict ? (data.verdict.warnings ?? []) : [];
  const counts = { pass: 0, fail: 0, inconclusive: 0 };
  for (const g of data.gates) if (!g.informational) counts[g.verdict]++;
  const info = data.gates.filter((g) => g.informational).length;
  const tally = data.gates.length
    ? `<p class="tally">${counts.pass} passed · ${counts.fail} failed · ${counts.inconclusive} inconclusive${info ? ` · ${info} informational` : ''}</p>`
    : '';
  const list = reasons.length ? `<ul>${reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : '';
  const warned = warnings.length ? `<ul class="warnings">${warnings.map((w) => `<li>⚠ ${esc(w)}</li>`).join('')}</ul>` : '';
  return `<section id="verdict" class="verdict verdict-${kind}" data-verdict="${kind}">
  <p class="verdict-word">${VERDICT_TEXT[kind]}</p>${tally}${list}${warned}
</section>`;
}

function num(v: number | null, unit = ''): string {
  if (v === null) return '–';
  const abs = Math.abs(v);
  const text = abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toPrecision(3);
  return unit ? `${text} ${esc(unit)}` : text;
}

/** A report table: a header row, then the rows already rendered. */
function table(className: string, headers: string[], rows: string): string {
  return `<table class="${className}">
  <thead><tr>${headers.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
  <tbody>
  ${rows}
  </tbody>
</table>`;
}

function gateTable(gates: GateRow[]): string {
  if (!gates.length) return '<p class="empty">No gate was evaluated for this run.</p>';
  const rows = gates
    .map(
      (g) => `<tr class="gate gate-${g.verdict}${g.informational ? ' gate-informational' : ''}">
    <td>${esc(g.gate)}</td><td>${esc(g.group)}</td><td class="num">${num(g.measured, g.unit)}</td><td class="num interval">${
      g.interval ? esc(g.interval) : '–'
    }</td><td class="num">${esc(g.bound)}${g.unit && g.bound ? ` ${esc(g.unit)}` : ''}</td><td class="num">${g.samples ?? '–'}</td><td class="verdict-cell">${
      g.informational ? `${g.verdict} (informational)` : g.verdict
    }</td><td class="judged">${esc(g.judged)}</td><td>${esc(g.detail)}</td>
  </tr>`,
    )
    .join('\n  ');
  return table('gates', ['gate', 'group', 'measured', 'interval', 'bound', 'samples', 'verdict', 'judged', 'detail'], rows);
}

function faultTable(data: ReportData): string {
  if (!data.faults.length) return '<p class="empty">No fault was injected in this run.</p>';
  const rows = data.faults
    .map(
      (f) =>
        `<tr data-fault="${esc(f.id)}"><td>${esc(f.kind)}</td><td>${esc(f.region)}</td><td>${iso(f.appliedAt)}</td><td>${
          f.undoneAt === undefined ? '<strong>not undone</strong>' : iso(f.undoneAt)
        }</td><td class="num">${f.undoneAt === undefined ? '–' : `${((f.undoneAt - f.appliedAt) / 1000).toFixed(1)} s`}</td><td><code>${esc(f.id)}</code></td></tr>`,
    )
    .join('\n  ');
  const unaffected = data.failover
    .filter((f) => f.unaffected.length > 0)
    .map(
      (f) =>
        `<p class="unaffected" data-fault="${esc(f.faultId)}">Not judged as failover: ${f.unaffected.map(esc).join(', ')}, never served by ${esc(
          f.region ?? 'the faulted region',
        )} before the fault (unaffected).</p>`,
    )
    .join('\n');
  return `${table('faults', ['fault', 'region', 'applied', 'restored', 'lasted', 'ledger id'], rows)}${unaffected ? `\n${unaffected}` : ''}`;
}

/** Client-seen failover per affected vantage and client profile, as the failover gate measured it. */
function failoverTable(data: ReportData): string {
  const rows = data.failover.flatMap((f) =>
    f.vantages.map(
      (v) =>
        `<tr data-fault="${esc(f.faultId)}" data-vantage="${esc(v.vantage)}"${v.profile ? ` data-profile="${esc(v.profile)}"` : ''}><td>${esc(
          v.vantage,
        )}</td><td>${v.profile ? esc(v.profile) : '–'}</td><td class="num">${
          v.failoverSeconds === undefined ? '–' : v.failoverSeconds === null ? 'none seen' : `${num(v.failoverSeconds)} s`
        }</td><td class="num">${v.transition ? `${v.transition.failed} of ${v.transition.requests}` : '–'}</td><td>${
          v.informational ? 'informational' : 'gated'
        }</td></tr>`,
    ),
  );
  if (!rows.length) return '';
  return `<h3>Client-seen failover per vantage and client profile</h3>
${table('failover', ['vantage', 'client profile', 'failed over after', 'transition errors', 'decides'], rows.join('\n  '))}`;
}

/** `vantage-eu`, or `vantage-eu · client profile fresh`. */
function seriesName(v: { vantage: string; profile?: string }): string {
  return v.profile ? `${v.vantage} · client profile ${v.profile}` : v.vantage;
}

function vantageSection(v: VantageSeries, data: ReportData): string {
  const served = [...data.regions, NO_REGION]
    .filter((r) => v.totals.servedBy[r])
    .map((r) => `<td class="num">${r}: ${v.totals.servedBy[r]}</td>`)
    .join('');
  const errorPct = v.totals.requests ? (100 * v.totals.failed) / v.totals.requests : null;
  return `<section class="vantage" data-vantage="${esc(v.vantage)}"${v.profile ? ` data-profile="${esc(v.profile)}"` : ''}>
  <h2>Vantage ${esc(seriesName(v))}</h2>
  <table class="totals">
    <thead><tr><th>requests</th><th>failed</th><th>error rate</th><th>p95</th><th colspan="${Math.max(1, data.regions.length + 1)}">served by</th></tr></thead>
    <tbody><tr><td class="num">${v.totals.requests}</td><td class="num">${v.totals.failed}</td><td class="num">${num(errorPct, '%')}</td><td class="num">${num(
      v.totals.p95,
      'ms',
    )}</td>${served || '<td>–</td>'}</tr></tbody>
  </table>
  <div class="chart" data-chart="share"></div>
  <div class="chart" data-chart="errors"></div>
  <div class="chart" data-chart="latency"></div>
  ${data.health.length ? '<div class="chart" data-chart="health"></div>' : '<p class="empty">No health-check observations in this run.</p>'}
</section>`;
}

function healthTable(data: ReportData): string {
  if (!data.health.length) return '<p class="empty">No health-check observations in this run.</p>';
  const rows = data.health
    .map(
      (b) =>
        `<tr class="${b.healthy ? 'healthy' : 'unhealthy'}"><td>${esc(b.region)}</td><td>${b.healthy ? 'healthy' : 'unhealthy'}</td><td>${iso(
          b.from,
        )}</td><td>${iso(b.to)}</td><td class="num">${((b.to - b.from) / 1000).toFixed(1)} s</td></tr>`,
    )
    .join('\n  ');
  return table('health', ['region', 'status', 'from', 'to', 'for'], rows);
}

const STYLE = `
:root { color-scheme: light; --fg: #1d232a; --muted: #5f6b76; --line: #dde3e8; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); margin: 0 auto; max-width: 1280px; padding: 16px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 26px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.run { color: var(--muted); margin: 0 0 12px; }
.verdict { border-radius: 8px; padding: 12px 18px; margin: 10px 0 4px; border: 2px solid; }
.verdict-word { font-size: 26px; font-weight: 700; letter-spacing: .04em; margin: 0; }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
.tally { margin: 2px 0 0; }
.verdict-approve { background: #e7f6ec; border-color: #2e9e5b; color: #1d6b3d; }
.verdict-rollback { background: #fdecea; border-color: #d43c3c; color: #8e1f1f; }
.verdict-inconclusive { background: #fff6e0; border-color: #e0a100; color: #7a5700; }
.verdict-none { background: #f1f3f5; border-color: #9aa5b1; color: #46505a; }
table { border-collapse: collapse; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f5f7f9; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.gate-pass .verdict-cell { color: #1d6b3d; font-weight: 600; }
tr.gate-fail .verdict-cell { color: #b02a2a; font-weight: 700; }
tr.gate-inconclusive .verdict-cell { color: #8a6400; font-weight: 600; }
tr.gate-informational .verdict-cell { color: var(--muted); font-weight: 400; font-style: italic; }
.verdict ul.warnings { color: #7a5700; }
tr.unhealthy td:nth-child(2) { color: #b02a2a; font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
.chart { margin: 8px 0 14px; position: relative; }
.u-title { font-size: 13px !important; font-weight: 600 !important; text-align: left; padding-left: 8px; }
.cw-marker { position: absolute; top: 0; bottom: 0; width: 0; pointer-events: none; z-index: 5; }
.cw-marker-fault { border-left: 2px dashed #d43c3c; }
.cw-marker-restore { border-left: 2px dashed #2e9e5b; }
.cw-marker-detected { border-left: 2px dotted #e08a00; }
.cw-marker-failover, .cw-marker-rebalanced { border-left: 2px dotted #1f5f99; }
.cw-marker.cw-marker-detected span { color: #8a5a00; top: 20px; }
.cw-marker.cw-marker-failover span, .cw-marker.cw-marker-rebalanced span { color: #1f5f99; top: 38px; }
.cw-marker span { position: absolute; top: 2px; left: 4px; white-space: nowrap; font-size: 11px; background: rgba(255,255,255,.85); padding: 0 4px; border-radius: 3px; }
.cw-marker-fault span { color: #b02a2a; }
.cw-marker-restore span { color: #1d6b3d; }
footer { color: var(--muted); margin-top: 28px; font-size: 12px; }
.noscript { color: #8a6400; }
@media print { .chart { break-inside: avoid; } }
`;
