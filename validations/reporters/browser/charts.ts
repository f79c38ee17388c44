// The report's only script of its own, run in the browser after uPlot's IIFE build (the global `uPlot`): draws each
// vantage's charts from the embedded ChartPayload (`<script type="application/json" id="cw-data">`). Browser code:
// checked by this folder's tsconfig.json (the DOM, no Node), imports types only, compiled to JavaScript by the build
// (see ../browser-script.ts). Every chart it draws is listed in `window.crosswindCharts` ({ kind, vantage, profile,
// plot }, one set per vantage and client profile) and
// `document.body.dataset.charts` turns to `ready`, so a browser test can inspect what was drawn.
import type { ChartPayload, FixedSeries, SeriesColor, VantageSeries } from '../report-data.ts';

/** One drawn chart, as a browser test finds it. */
interface DrawnChart {
  kind: ChartKind;
  vantage: string;
  /** The client profile of the series, when the traffic ran several side by side. */
  profile?: string;
  plot: uPlot;
}

/** Which series a chart draws: a vantage, and its client profile when there is one. */
type SeriesId = Pick<VantageSeries, 'vantage' | 'profile'>;

/** `vantage-eu`, or `vantage-eu · fresh`. */
const nameOf = (v: SeriesId) => (v.profile ? `${v.vantage} \u00B7 ${v.profile}` : v.vantage);

type ChartKind = 'share' | 'errors' | 'latency' | 'health';

declare global {
  interface Window {
    crosswindCharts: DrawnChart[];
  }
}

type MarkerKind = 'fault' | 'restore' | 'detected' | 'failover' | 'rebalanced';

interface Marker {
  kind: MarkerKind;
  at: number;
  label: string;
}

/** What one chart adds to the options every chart shares. */
interface ChartOptions {
  title: string;
  scales?: uPlot.Scales;
  axes: uPlot.Axis[];
  series: uPlot.Series[];
  plugins?: uPlot.Plugin[];
  legend?: uPlot.Legend;
}

const data = JSON.parse(document.getElementById('cw-data')?.textContent ?? 'null') as ChartPayload;
const charts: DrawnChart[] = [];
window.crosswindCharts = charts;

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');
const fmt = (v: number | null | undefined, digits: number) => (v == null ? '-' : Number(v).toFixed(digits));

/** A fixed series color (errors, request rate, percentiles, health), present in every payload. */
function fixedColor(key: FixedSeries): SeriesColor {
  return data.colors[key];
}

const faultMarkers: Marker[] = data.faults.flatMap((f) => [
  { kind: 'fault' as const, at: f.appliedAt, label: `${f.kind} ${f.region}` },
  ...(f.undoneAt != null ? [{ kind: 'restore' as const, at: f.undoneAt, label: `restored ${f.region}` }] : []),
]);

// What the failover gate measured (verdict.json): detection for every vantage, failover and rebalance per vantage
// and client profile.
function markersOf(series: SeriesId): Marker[] {
  const out = faultMarkers.slice();
  for (const f of data.failover) {
    if (f.detectedAt != null) out.push({ kind: 'detected', at: f.detectedAt, label: 'detected' });
    for (const v of f.vantages) {
      if (v.vantage !== series.vantage || v.profile !== series.profile) continue;
      if (v.failoverAt != null) out.push({ kind: 'failover', at: v.failoverAt, label: 'failed over' });
      if (v.rebalancedAt != null) out.push({ kind: 'rebalanced', at: v.rebalancedAt, label: 'rebalanced' });
    }
  }
  return out;
}

const MARKER_ICONS: Partial<Record<MarkerKind, string>> = { fault: '\u26A1 ', restore: '\u2713 ' };

// Fault and restore markers are DOM lines over the plot, placed on every redraw (zoom, resize), so they stay
// readable, hoverable and testable apart from the canvas.
function markerPlugin(withLabels: boolean, series: SeriesId): uPlot.Plugin {
  const markers = markersOf(series);
  return {
    hooks: {
      // Created at init, so they exist for the first draw (uPlot draws before it calls 'ready').
      init: [
        (u) => {
          for (const m of markers) {
            const el = document.createElement('div');
            el.className = `cw-marker cw-marker-${m.kind}`;
            el.dataset.at = String(m.at);
            el.title = `${m.label} at ${new Date(m.at).toISOString()}`;
            if (withLabels) {
              const label = document.createElement('span');
              label.textContent = (MARKER_ICONS[m.kind] ?? '') + m.label;
              el.appendChild(label);
            }
            u.over.appendChild(el);
          }
        },
      ],
      draw: [
        (u) => {
          for (const el of u.over.querySelectorAll<HTMLElement>('.cw-marker')) {
            const x = u.valToPos(Number(el.dataset.at) / 1000, 'x');
            el.style.left = `${x}px`;
            el.style.display = x < 0 || x > u.over.clientWidth ? 'none' : '';
          }
        },
      ],
    },
  };
}

const size = (el: HTMLElement, height: number) => ({ width: Math.max(320, el.clientWidth), height });

// Each value is a one-second bucket [s, s+1): drawn as a step that holds for its second, so a change shows
// where it happened, not smeared across two seconds by interpolation.
const stepped = uPlot.paths.stepped?.({ align: 1 });

/** The series with one more second at the end, holding each last value, so the last bucket is drawn too. */
function withTail(seconds: number[], arrays: (number | null)[][]): uPlot.AlignedData {
  const last = seconds.length ? (seconds[seconds.length - 1] as number) + 1 : 0;
  return [[...seconds, last], ...arrays.map((a) => [...a, a.length ? (a[a.length - 1] ?? null) : null])];
}

// Same axis widths on every chart, so the time axes of a vantage line up.
const LEFT = 90;
const RIGHT = 56;
function rightSpacer(): uPlot.Axis {
  return { side: 1, size: RIGHT, label: ' ', grid: { show: false }, ticks: { show: false }, values: () => [] };
}

/** A stepped line without points, the style of every series here. */
function line(label: string, color: SeriesColor, extra: Partial<uPlot.Series> = {}): uPlot.Series {
  return { label, stroke: color.stroke, width: 2, paths: stepped, points: { show: false }, ...extra };
}

function make(kind: ChartKind, series: SeriesId, el: HTMLElement, height: number, opts: ChartOptions, plotData: uPlot.AlignedData) {
  const plot = new uPlot(
    {
      title: opts.title,
      tzDate: utc,
      cursor: { sync: { key: `cw-${nameOf(series)}` } },
      scales: { x: { time: true, range: [data.window.start / 1000, data.window.end / 1000 + 1] }, ...opts.scales },
      axes: opts.axes,
      series: opts.series,
      plugins: [...(opts.plugins ?? []), markerPlugin(kind === 'share', series)],
      legend: opts.legend ?? { show: true },
      ...size(el, height),
    },
    plotData,
    el,
  );
  charts.push({ kind, vantage: series.vantage, ...(series.profile ? { profile: series.profile } : {}), plot });
  return plot;
}

function shareChart(v: VantageSeries, el: HTMLElement) {
  // Stacked shares: each region's line is the running total up to it, filled down to zero with an opaque color.
  // Drawn from the top of the stack down, every region covers the part of the fills below its own band.
  const keys = data.regions.filter((r) => v.share[r]);
  if (v.share[data.noRegion]?.some((x) => x)) keys.push(data.noRegion);
  const cumulative: (number | null)[][] = [];
  let running: (number | null)[] = v.seconds.map(() => null);
  for (const k of keys) {
    const share = v.share[k] ?? [];
    running = running.map((acc, i) => {
      const x = share[i];
      return x == null ? acc : (acc ?? 0) + x;
    });
    cumulative.push(running);
  }
  const top = keys.map((k, i) => ({ k, ys: cumulative[i] ?? [] })).reverse();
  const series: uPlot.Series[] = [
    {},
    ...top.map(({ k }) => {
      const c = data.colors[k] ?? fixedColor('__rps');
      return line(k, c, {
        fill: c.fill,
        width: 1,
        value: (_u, _val, _si, idx) => (idx == null ? '-' : `${fmt(v.share[k]?.[idx], 0)} %`),
      });
    }),
  ];
  return make(
    'share',
    v,
    el,
    220,
    {
      title: `Traffic served by region (share of requests, %) \u2014 ${nameOf(v)}`,
      scales: { y: { range: [0, 100] } },
      axes: [{}, { label: '%', size: LEFT }, rightSpacer()],
      series,
    },
    withTail(
      v.seconds,
      top.map(({ ys }) => ys),
    ),
  );
}

/** A y range from zero to the data's maximum (times `headroom`), at least 1. */
const fromZero =
  (headroom: number) =>
  (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, max * headroom)];

function errorChart(v: VantageSeries, el: HTMLElement) {
  const errors = fixedColor('__errors');
  const rps = fixedColor('__rps');
  return make(
    'errors',
    v,
    el,
    170,
    {
      title: `Error rate and request rate \u2014 ${nameOf(v)}`,
      scales: { y: { range: fromZero(1) }, rps: { range: fromZero(1) } },
      axes: [
        {},
        { label: 'errors %', size: LEFT, stroke: errors.stroke },
        { scale: 'rps', side: 1, label: 'req/s', size: RIGHT, grid: { show: false } },
      ],
      series: [
        {},
        line('error rate', errors, { fill: errors.fill, value: (_u, val) => `${fmt(val, 2)} %` }),
        line('requests/s', rps, { scale: 'rps', width: 1, value: (_u, val) => fmt(val, 0) }),
      ],
    },
    withTail(v.seconds, [v.errorRate, v.requests]),
  );
}

function latencyChart(v: VantageSeries, el: HTMLElement) {
  const ms = (_u: uPlot, val: number | null) => `${fmt(val, 1)} ms`;
  return make(
    'latency',
    v,
    el,
    190,
    {
      title: `Latency percentiles per second (http_req_duration, ms) \u2014 ${nameOf(v)}`,
      scales: { y: { range: fromZero(1.1) } },
      axes: [{}, { label: 'ms', size: LEFT }, rightSpacer()],
      series: [
        {},
        line('p50', fixedColor('__p50'), { value: ms }),
        line('p95', fixedColor('__p95'), { value: ms }),
        line('p99', fixedColor('__p99'), { value: ms }),
      ],
    },
    withTail(v.seconds, [v.latency.p50, v.latency.p95, v.latency.p99]),
  );
}

/** Draws each region's health bands as colored rows under the series (the series itself is invisible). */
function healthBands(rows: string[]): uPlot.Plugin {
  const healthy = fixedColor('__healthy');
  const unhealthy = fixedColor('__unhealthy');
  return {
    hooks: {
      drawClear: [
        (u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
          ctx.clip();
          for (const b of data.health) {
            const row = rows.indexOf(b.region);
            if (row < 0) continue;
            const x0 = u.valToPos(b.from / 1000, 'x', true);
            const x1 = u.valToPos(b.to / 1000, 'x', true);
            const y0 = u.valToPos(row + 0.9, 'y', true);
            const y1 = u.valToPos(row + 0.1, 'y', true);
            ctx.fillStyle = b.healthy ? healthy.fill : unhealthy.fill;
            ctx.fillRect(x0, y0, Math.max(1, x1 - x0), y1 - y0);
          }
          ctx.restore();
        },
      ],
    },
  };
}

function healthChart(v: VantageSeries, el: HTMLElement) {
  const rows = data.regions.filter((r) => data.health.some((b) => b.region === r));
  return make(
    'health',
    v,
    el,
    34 * rows.length + 60,
    {
      title: 'Health-check status (green healthy, red unhealthy)',
      scales: { y: { range: [0, rows.length] } },
      axes: [
        {},
        {
          label: 'health',
          size: LEFT,
          grid: { show: false },
          splits: () => rows.map((_r, i) => i + 0.5),
          values: (_u, splits) => splits.map((s) => rows[Math.floor(s)] ?? ''),
        },
        rightSpacer(),
      ],
      legend: { show: false },
      series: [{}, { label: 'health', stroke: 'transparent', points: { show: false } }],
      plugins: [healthBands(rows)],
    },
    withTail(v.seconds, [v.seconds.map(() => null)]),
  );
}

for (const v of data.vantages) {
  const profile = v.profile ? `[data-profile="${CSS.escape(v.profile)}"]` : ':not([data-profile])';
  const section = document.querySelector(`section.vantage[data-vantage="${CSS.escape(v.vantage)}"]${profile}`);
  if (!section) continue;
  const slot = (kind: ChartKind) => section.querySelector<HTMLElement>(`.chart[data-chart="${kind}"]`);
  const share = slot('share');
  const errors = slot('errors');
  const latency = slot('latency');
  const health = slot('health');
  if (share) shareChart(v, share);
  if (errors) errorChart(v, errors);
  if (latency) latencyChart(v, latency);
  if (data.health.length && health) healthChart(v, health);
}

window.addEventListener('resize', () => {
  for (const c of charts) {
    const parent = c.plot.root.parentElement;
    c.plot.setSize({ width: Math.max(320, parent?.clientWidth ?? 0), height: c.plot.height });
  }
});
requestAnimationFrame(() => {
  document.body.dataset.charts = 'ready';
});
