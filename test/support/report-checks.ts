import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { readReportData } from '../../validations/reporters/read-run-folder.ts';
import type { ReportData } from '../../validations/reporters/report-data.ts';
import { launchChromium } from './chromium.ts';
import { crosswind, REPO } from './cli.ts';

/** What the browser saw of one chart. */
export interface ChartInspection {
  kind: 'share' | 'errors' | 'latency' | 'health';
  vantage: string;
  /** The client profile of the chart's series, when the traffic ran several side by side. */
  profile?: string;
  /** Pixels of the plot area per color name (series colors of ReportData's palette), within a small tolerance. */
  pixels: Record<string, number>;
  legend: string[];
  /** Fault and restore markers: time (ms) and x offset (CSS px) inside the plot, and the x the scale puts that time at. */
  markers: { kind: string; at: number; left: number; expectedLeft: number; label: string }[];
  /** Plot area in CSS px and the time scale (epoch s). */
  plot: { width: number; height: number; min: number; max: number };
}

export interface ReportInspection {
  file: string;
  data: ReportData;
  charts: ChartInspection[];
  screenshot: string;
  /** Requests the page made other than the report file itself (must be none: the report opens offline). */
  foreignRequests: string[];
  errors: string[];
  /** The colors the page used, by series key. */
  colors: Record<string, { stroke: string; fill: string }>;
}

/**
 * The color of the plot at a time (ms) and a height (0 bottom, 1 top of the plot) in one chart, as `#rrggbb`: the
 * most common color of the 9 pixels of that row centred on the time, so a 1 px grid line of the time axis drawn
 * across a band does not stand for the band. Runs in the page.
 */
export async function colorAt(page: Page, chart: { vantage: string; kind: string }, at: number, height: number): Promise<string> {
  const [color] = await colorsAlong(page, chart, at, at, height);
  return color ?? 'no such chart';
}

/**
 * The colors (as `colorAt` reads them) of every pixel column of one chart's row at a height, from one time to
 * another (ms), in order, repeats folded. Runs in the page.
 */
export function colorsAlong(
  page: Page,
  chart: { vantage: string; kind: string },
  from: number,
  to: number,
  height: number,
): Promise<string[]> {
  const args = JSON.stringify({ ...chart, from, to, height });
  return page.evaluate(`(({ vantage, kind, from, to, height }) => {
    const found = window.crosswindCharts.find((c) => c.vantage === vantage && c.kind === kind);
    if (!found) return [];
    const plot = found.plot;
    const x0 = Math.round(plot.valToPos(from / 1000, 'x', true));
    const x1 = Math.round(plot.valToPos(to / 1000, 'x', true));
    const y = Math.round(plot.bbox.top + plot.bbox.height * (1 - height));
    const row = plot.ctx.getImageData(x0 - 4, y, x1 - x0 + 9, 1).data;
    const pixels = Array.from({ length: x1 - x0 + 9 }, (_, i) =>
      '#' + [0, 1, 2].map((k) => row[4 * i + k].toString(16).padStart(2, '0')).join(''));
    const colors = [];
    for (let x = 0; x <= x1 - x0; x++) {
      const counts = new Map();
      for (const c of pixels.slice(x, x + 9)) counts.set(c, (counts.get(c) || 0) + 1);
      const [most] = [...counts].sort((a, b) => b[1] - a[1])[0];
      if (colors[colors.length - 1] !== most) colors.push(most);
    }
    return colors;
  })(${args})`);
}

/** Where screenshots go: git-ignored. */
export const RESULTS_DIR = join(REPO, 'test-results');

// In-page code is plain JavaScript text: functions compiled for Node (tsx keeps names with a helper) would not run
// in the page as they are.
const INSPECT_CHARTS = `(() => {
  const embedded = JSON.parse(document.getElementById('cw-data').textContent);
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const named = [];
  for (const [key, c] of Object.entries(embedded.colors)) {
    named.push([key + ':fill', rgb(c.fill)]);
    // A color used for both is counted once, as the stroke.
    if (c.stroke !== c.fill) named.push([key + ':stroke', rgb(c.stroke)]);
    else named[named.length - 1][0] = key + ':stroke';
  }
  const charts = window.crosswindCharts.map(({ kind, vantage, profile, plot }) => {
    const { left, top, width, height } = plot.bbox;
    const img = plot.ctx.getImageData(left, top, width, height).data;
    const pixels = {};
    for (let i = 0; i < img.length; i += 4) {
      if (img[i + 3] < 250) continue;
      for (const [name, [r, g, b]] of named) {
        if (Math.abs(img[i] - r) + Math.abs(img[i + 1] - g) + Math.abs(img[i + 2] - b) <= 24) {
          pixels[name] = (pixels[name] || 0) + 1;
          break;
        }
      }
    }
    const { min, max } = plot.scales.x;
    const overWidth = plot.over.clientWidth;
    const markers = [...plot.over.querySelectorAll('.cw-marker')].map((el) => {
      const at = Number(el.dataset.at);
      return {
        kind: [...el.classList].find((c) => c.startsWith('cw-marker-')).slice('cw-marker-'.length),
        at,
        left: parseFloat(el.style.left),
        expectedLeft: ((at / 1000 - min) / (max - min)) * overWidth,
        label: el.textContent || '',
      };
    });
    const legend = [...plot.root.querySelectorAll('.u-legend .u-series .u-label')].map((e) => e.textContent || '');
    return { kind, vantage, profile, pixels, legend, markers, plot: { width: overWidth, height: plot.over.clientHeight, min, max } };
  });
  return { charts, colors: embedded.colors };
})()`;

function inspectCharts(page: Page): Promise<{ charts: ChartInspection[]; colors: ReportInspection['colors'] }> {
  return page.evaluate(INSPECT_CHARTS);
}

/**
 * Renders a run folder's report with the CLI (`crosswind report <folder>`), opens it in Debian's Chromium offline
 * and checks what any run's report must show: the verdict on top, the gate table as plain HTML, for every vantage
 * a share, error and latency chart that really drew (pixels of the series colors on the canvas), a legend entry per
 * region, a marker at every fault and restore time placed where the time axis puts it, and health bands. Saves a
 * full-page screenshot into test-results/. Expectations come from the run folder's own data, so this works on any
 * run folder: a fixture's or a sandbox game day's.
 */
export async function checkHtmlReport(
  folder: string,
  options: {
    name: string;
    /** Further checks on the open page (scripts on), before the browser closes, with the run's report data. */
    more?: (page: Page, data: ReportData) => Promise<void>;
  },
): Promise<ReportInspection> {
  const cli = await crosswind(['report', folder], { timeoutMs: 60_000 });
  expect(cli.code, cli.stderr).to.equal(0);
  const file = cli.stdout.trim();
  expect(file).to.equal(join(folder, 'report.html'));
  const data = await readReportData(folder);

  await mkdir(RESULTS_DIR, { recursive: true });
  const screenshot = join(RESULTS_DIR, `report-${options.name}.png`);
  // Kept beside the screenshot, so the report can be opened after the run folder is gone.
  await copyFile(file, join(RESULTS_DIR, `report-${options.name}.html`));
  const browser = await launchChromium();
  const url = pathToFileURL(file).href;
  const foreignRequests: string[] = [];
  const errors: string[] = [];
  try {
    const page = await browser.context.newPage();
    page.on('request', (r) => {
      if (r.url() !== url) foreignRequests.push(r.url());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url);
    await page.waitForSelector('body[data-charts="ready"]', { timeout: 15_000 });

    // The verdict is the first thing on the page.
    const first = await page.evaluate(`document.querySelector('body > section, main > section')?.id`);
    expect(first).to.equal('verdict');
    expect(await page.getAttribute('#verdict', 'data-verdict')).to.equal(data.verdict.kind);

    const { charts, colors } = await inspectCharts(page);
    await page.screenshot({ path: screenshot, fullPage: true });

    const kinds = data.health.length ? ['share', 'errors', 'latency', 'health'] : ['share', 'errors', 'latency'];
    for (const v of data.vantages) {
      const name = v.profile ? `${v.vantage} (${v.profile})` : v.vantage;
      const mine = charts.filter((c) => c.vantage === v.vantage && c.profile === v.profile);
      expect(
        mine.map((c) => c.kind),
        `charts of ${name}`,
      ).to.have.members(kinds);
      // Where this vantage (and client profile) failed over, as the failover gate measured it, on its own timeline.
      const failedOver = data.failover.flatMap((f) =>
        f.vantages.filter((m) => m.vantage === v.vantage && m.profile === v.profile && m.failoverAt !== undefined),
      );
      for (const chart of mine) {
        const label = `${chart.kind} chart of ${name}`;
        for (const m of failedOver) {
          const marker = chart.markers.find((k) => k.kind === 'failover' && k.at === m.failoverAt);
          expect(marker, `${label}: failover marker at ${new Date(m.failoverAt as number).toISOString()}`).to.not.equal(undefined);
          expect(marker?.left, `${label}: failover marker position`).to.be.closeTo(marker?.expectedLeft ?? Number.NaN, 1.5);
        }
        expect(chart.markers.filter((k) => k.kind === 'failover').length, `${label}: no failover marker but its own`).to.equal(
          failedOver.length,
        );
        expect(chart.plot.width, label).to.be.greaterThan(300);
        const area = chart.plot.width * chart.plot.height;
        if (chart.kind === 'share') {
          // Every region that served this vantage is a visible band, in proportion to its share of the requests.
          for (const [region, n] of Object.entries(v.totals.servedBy)) {
            const share = n / v.totals.requests;
            if (share < 0.05) continue;
            expect(chart.pixels[`${region}:fill`] ?? 0, `${label}: ${region}'s band`).to.be.greaterThan(area * share * 0.3);
          }
          for (const region of data.regions) expect(chart.legend, `${label}: legend`).to.include(region);
        }
        if (chart.kind === 'errors') expect(chart.pixels['__rps:stroke'] ?? 0, `${label}: request-rate line`).to.be.greaterThan(50);
        if (chart.kind === 'errors' && v.totals.failed > 0)
          expect(chart.pixels['__errors:fill'] ?? 0, `${label}: error area`).to.be.greaterThan(20);
        if (chart.kind === 'latency') {
          for (const p of ['__p50', '__p95', '__p99'])
            expect(chart.pixels[`${p}:stroke`] ?? 0, `${label}: ${p} line`).to.be.greaterThan(20);
        }
        if (chart.kind === 'health') {
          expect(chart.pixels['__healthy:stroke'] ?? 0, `${label}: healthy bands`).to.be.greaterThan(area * 0.05);
          if (data.health.some((b) => !b.healthy))
            expect(chart.pixels['__unhealthy:stroke'] ?? 0, `${label}: unhealthy bands`).to.be.greaterThan(100);
        }
        // A marker at every fault and restore time, where the chart's own time axis puts that instant.
        for (const f of data.faults) {
          for (const [kind, at] of [
            ['fault', f.appliedAt],
            ['restore', f.undoneAt],
          ] as const) {
            if (at === undefined) continue;
            const marker = chart.markers.find((m) => m.kind === kind && m.at === at);
            expect(marker, `${label}: ${kind} marker at ${new Date(at).toISOString()}`).to.not.equal(undefined);
            expect(marker?.left, `${label}: ${kind} marker position`).to.be.closeTo(marker?.expectedLeft ?? Number.NaN, 1.5);
            expect(marker?.left).to.be.within(0, chart.plot.width);
            if (chart.kind === 'share') expect(marker?.label).to.contain(f.region);
          }
        }
      }
    }
    await options.more?.(page, data);
    expect(errors, 'page errors').to.deep.equal([]);
    expect(foreignRequests, 'the report must open offline').to.deep.equal([]);

    // Without scripts, the verdict and the tables still read.
    const plain = await launchChromium({ javaScriptEnabled: false });
    try {
      const p = await plain.context.newPage();
      await p.goto(url);
      expect(await p.isVisible('#verdict')).to.equal(true);
      const gateRows = await p.$$eval('table.gates tbody tr', (rows) =>
        rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())),
      );
      expect(gateRows).to.have.length(data.gates.length);
      if (data.gates.length) {
        const head = await p.$$eval('table.gates thead th', (ths) => ths.map((th) => th.textContent ?? ''));
        expect(head).to.include.members(['measured', 'interval', 'bound', 'samples', 'verdict', 'judged']);
        const column = (name: string) => head.indexOf(name);
        for (const [i, g] of data.gates.entries()) {
          expect(gateRows[i]?.[column('verdict')], g.gate).to.equal(g.informational ? `${g.verdict} (informational)` : g.verdict);
          // The interval beside the measured value, and what was judged, in plain HTML.
          expect(gateRows[i]?.[column('interval')], g.gate).to.equal(g.interval || '–');
          expect(gateRows[i]?.[column('judged')], g.gate).to.equal(g.judged);
        }
      }
      expect(await p.$$eval('table.faults tbody tr', (rows) => rows.length)).to.equal(data.faults.length);
    } finally {
      await plain.close();
    }
    return { file, data, charts, screenshot, foreignRequests, errors, colors };
  } finally {
    await browser.close();
  }
}
