/**
 * The report's only script, run in the browser after uPlot's: draws each vantage's charts from the embedded
 * ReportData (`<script type="application/json" id="cw-data">`). Kept as plain ES2019 text, not compiled from
 * TypeScript, so nothing of the Node build (helpers, module syntax) leaks into the page. Every chart it draws is
 * listed in `window.crosswindCharts` ({ kind, vantage, plot }) and `document.body.dataset.charts` turns to
 * `ready`, so a browser test can inspect what was drawn.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cw-data').textContent);
  var charts = [];
  window.crosswindCharts = charts;
  var NO_REGION = data.noRegion;

  function utc(ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); }
  function fmt(v, digits) { return v == null ? '-' : Number(v).toFixed(digits); }

  var faultMarkers = [];
  data.faults.forEach(function (f) {
    faultMarkers.push({ kind: 'fault', at: f.appliedAt, label: f.kind + ' ' + f.region });
    if (f.undoneAt != null) faultMarkers.push({ kind: 'restore', at: f.undoneAt, label: 'restored ' + f.region });
  });
  // What the failover gate measured (verdict.json): detection for every vantage, failover and rebalance per vantage.
  function markersOf(vantage) {
    var out = faultMarkers.slice();
    (data.failover || []).forEach(function (f) {
      if (f.detectedAt != null) out.push({ kind: 'detected', at: f.detectedAt, label: 'detected' });
      f.vantages.forEach(function (v) {
        if (v.vantage !== vantage) return;
        if (v.failoverAt != null) out.push({ kind: 'failover', at: v.failoverAt, label: 'failed over' });
        if (v.rebalancedAt != null) out.push({ kind: 'rebalanced', at: v.rebalancedAt, label: 'rebalanced' });
      });
    });
    return out;
  }

  // Fault and restore markers are DOM lines over the plot, placed on every redraw (zoom, resize), so they stay
  // readable, hoverable and testable apart from the canvas.
  function markerPlugin(withLabels, vantage) {
    var markers = markersOf(vantage);
    return {
      hooks: {
        // Created at init, so they exist for the first draw (uPlot draws before it calls 'ready').
        init: [function (u) {
          markers.forEach(function (m) {
            var el = document.createElement('div');
            el.className = 'cw-marker cw-marker-' + m.kind;
            el.dataset.at = String(m.at);
            el.title = m.label + ' at ' + new Date(m.at).toISOString();
            if (withLabels) {
              var label = document.createElement('span');
              label.textContent = (m.kind === 'fault' ? '\u26A1 ' : m.kind === 'restore' ? '\u2713 ' : '') + m.label;
              el.appendChild(label);
            }
            u.over.appendChild(el);
          });
        }],
        draw: [function (u) {
          u.over.querySelectorAll('.cw-marker').forEach(function (el) {
            var x = u.valToPos(Number(el.dataset.at) / 1000, 'x');
            el.style.left = x + 'px';
            el.style.display = x < 0 || x > u.over.clientWidth ? 'none' : '';
          });
        }],
      },
    };
  }

  function size(el, height) { return { width: Math.max(320, el.clientWidth), height: height }; }

  // Each value is a one-second bucket [s, s+1): drawn as a step that holds for its second, so a change shows
  // where it happened, not smeared across two seconds by interpolation.
  var stepped = uPlot.paths.stepped({ align: 1 });
  function extend(xs, ys) {
    var last = xs.length ? xs[xs.length - 1] + 1 : 0;
    return { xs: xs.concat([last]), ys: ys.concat([ys.length ? ys[ys.length - 1] : null]) };
  }
  function withTail(seconds, arrays) {
    return [extend(seconds, []).xs].concat(arrays.map(function (a) { return extend(seconds, a).ys; }));
  }
  // Same axis widths on every chart, so the time axes of a vantage line up.
  var LEFT = 90;
  var RIGHT = 56;
  function rightSpacer() {
    return { side: 1, size: RIGHT, label: ' ', grid: { show: false }, ticks: { show: false }, values: function () { return []; } };
  }

  function make(kind, vantage, el, height, opts, plotData) {
    var base = {
      title: opts.title,
      tzDate: utc,
      cursor: { sync: { key: 'cw-' + vantage } },
      scales: Object.assign({ x: { time: true, range: [data.window.start / 1000, data.window.end / 1000 + 1] } }, opts.scales || {}),
      axes: opts.axes,
      series: opts.series,
      plugins: (opts.plugins || []).concat([markerPlugin(kind === 'share', vantage)]),
      legend: opts.legend || { show: true },
    };
    var s = size(el, height);
    base.width = s.width;
    base.height = s.height;
    var plot = new uPlot(base, plotData, el);
    charts.push({ kind: kind, vantage: vantage, plot: plot });
    return plot;
  }

  function shareChart(v, el) {
    // Stacked shares: each region's line is the running total up to it, filled down to zero with an opaque color.
    // Drawn from the top of the stack down, every region covers the part of the fills below its own band.
    var keys = data.regions.filter(function (r) { return v.share[r]; });
    if (v.share[NO_REGION] && v.share[NO_REGION].some(function (x) { return x; })) keys.push(NO_REGION);
    var cumulative = [];
    var running = v.seconds.map(function () { return null; });
    keys.forEach(function (k) {
      running = running.map(function (acc, i) {
        var x = v.share[k][i];
        return x == null ? acc : (acc || 0) + x;
      });
      cumulative.push(running);
    });
    var series = [{}];
    var ys = [];
    for (var i = keys.length - 1; i >= 0; i--) {
      (function (k) {
        var c = data.colors[k];
        series.push({
          label: k,
          stroke: c.stroke,
          fill: c.fill,
          width: 1,
          paths: stepped,
          points: { show: false },
          value: function (u, val, si, idx) { return idx == null ? '-' : fmt(v.share[k][idx], 0) + ' %'; },
        });
      })(keys[i]);
      ys.push(cumulative[i]);
    }
    var plotData = withTail(v.seconds, ys);
    return make('share', v.vantage, el, 220, {
      title: 'Traffic served by region (share of requests, %) \u2014 ' + v.vantage,
      scales: { y: { range: [0, 100] } },
      axes: [{}, { label: '%', size: LEFT }, rightSpacer()],
      series: series,
    }, plotData);
  }

  function errorChart(v, el) {
    return make('errors', v.vantage, el, 170, {
      title: 'Error rate and request rate \u2014 ' + v.vantage,
      scales: { y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } }, rps: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [{}, { label: 'errors %', size: LEFT, stroke: data.colors.__errors.stroke }, { scale: 'rps', side: 1, label: 'req/s', size: RIGHT, grid: { show: false } }],
      series: [
        {},
        { label: 'error rate', stroke: data.colors.__errors.stroke, fill: data.colors.__errors.fill, width: 2, paths: stepped, points: { show: false }, value: function (u, val) { return fmt(val, 2) + ' %'; } },
        { label: 'requests/s', scale: 'rps', stroke: data.colors.__rps.stroke, width: 1, paths: stepped, points: { show: false }, value: function (u, val) { return fmt(val, 0); } },
      ],
    }, withTail(v.seconds, [v.errorRate, v.requests]));
  }

  function latencyChart(v, el) {
    function ms(u, val) { return fmt(val, 1) + ' ms'; }
    return make('latency', v.vantage, el, 190, {
      title: 'Latency percentiles per second (http_req_duration, ms) \u2014 ' + v.vantage,
      scales: { y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [{}, { label: 'ms', size: LEFT }, rightSpacer()],
      series: [
        {},
        { label: 'p50', stroke: data.colors.__p50.stroke, width: 2, paths: stepped, points: { show: false }, value: ms },
        { label: 'p95', stroke: data.colors.__p95.stroke, width: 2, paths: stepped, points: { show: false }, value: ms },
        { label: 'p99', stroke: data.colors.__p99.stroke, width: 2, paths: stepped, points: { show: false }, value: ms },
      ],
    }, withTail(v.seconds, [v.latency.p50, v.latency.p95, v.latency.p99]));
  }

  function healthChart(v, el) {
    var rows = data.regions.filter(function (r) { return data.health.some(function (b) { return b.region === r; }); });
    var empty = v.seconds.map(function () { return null; });
    return make('health', v.vantage, el, 34 * rows.length + 60, {
      title: 'Health-check status (green healthy, red unhealthy)',
      scales: { y: { range: [0, rows.length] } },
      axes: [{}, {
        label: 'health',
        size: LEFT,
        grid: { show: false },
        splits: function () { return rows.map(function (r, i) { return i + 0.5; }); },
        values: function (u, splits) { return splits.map(function (s) { return rows[Math.floor(s)]; }); },
      }, rightSpacer()],
      legend: { show: false },
      series: [{}, { label: 'health', stroke: 'transparent', points: { show: false } }],
      plugins: [{
        hooks: {
          drawClear: [function (u) {
            var ctx = u.ctx;
            ctx.save();
            ctx.beginPath();
            ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
            ctx.clip();
            data.health.forEach(function (b) {
              var row = rows.indexOf(b.region);
              if (row < 0) return;
              var x0 = u.valToPos(b.from / 1000, 'x', true);
              var x1 = u.valToPos(b.to / 1000, 'x', true);
              var y0 = u.valToPos(row + 0.9, 'y', true);
              var y1 = u.valToPos(row + 0.1, 'y', true);
              ctx.fillStyle = b.healthy ? data.colors.__healthy.fill : data.colors.__unhealthy.fill;
              ctx.fillRect(x0, y0, Math.max(1, x1 - x0), y1 - y0);
            });
            ctx.restore();
          }],
        },
      }],
    }, withTail(v.seconds, [empty]));
  }

  data.vantages.forEach(function (v) {
    var section = document.querySelector('section.vantage[data-vantage="' + CSS.escape(v.vantage) + '"]');
    if (!section) return;
    var slot = function (kind) { return section.querySelector('.chart[data-chart="' + kind + '"]'); };
    shareChart(v, slot('share'));
    errorChart(v, slot('errors'));
    latencyChart(v, slot('latency'));
    if (data.health.length && slot('health')) healthChart(v, slot('health'));
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.plot.setSize({ width: Math.max(320, c.plot.root.parentElement.clientWidth), height: c.plot.height }); });
  });
  requestAnimationFrame(function () { document.body.dataset.charts = 'ready'; });
})();
`;
