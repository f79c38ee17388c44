import { expect } from 'chai';
import { verdictFromJson } from '../../../validations/reporters/read-run-folder.ts';
import { healthBands, NO_REGION, ReportSeriesBuilder } from '../../../validations/reporters/report-data.ts';

const T0 = Date.parse('2026-11-23T05:00:00Z');

describe('report data', () => {
  describe('ReportSeriesBuilder', () => {
    it('buckets requests per second and vantage: shares by served_by, error rate, and k6 percentiles of the durations', () => {
      const b = new ReportSeriesBuilder();
      const durations = [10, 20, 30, 40, 50];
      durations.forEach((d, i) => {
        const served = i < 3 ? 'us-east-1' : i === 3 ? 'us-west-2' : 'unknown';
        b.add('http_req_duration', { vantage: 'v1' }, T0 + i * 100, d);
        b.add('http_req_failed', { vantage: 'v1' }, T0 + i * 100, served === 'unknown' ? 1 : 0);
        b.add('request_duration', { vantage: 'v1', served_by: served }, T0 + i * 100, d);
      });
      b.add('http_req_duration', { vantage: 'v1' }, T0 + 2500, 99);
      b.add('http_req_failed', { vantage: 'v1' }, T0 + 2500, 0);
      b.add('request_duration', { vantage: 'v1', served_by: 'us-west-2' }, T0 + 2500, 99);
      const { vantages, window, servedMetric, regionsSeen } = b.finish(undefined, ['eu-west-1', 'us-east-1', 'us-west-2']);
      expect(servedMetric).to.equal('request_duration');
      expect(regionsSeen).to.deep.equal(['us-east-1', 'us-west-2']);
      expect(window).to.deep.equal({ start: T0, end: T0 + 2000 });
      const v = vantages[0];
      expect(v?.seconds).to.deep.equal([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2]);
      expect(v?.requests).to.deep.equal([5, 0, 1]);
      expect(Object.keys(v?.share ?? {})).to.deep.equal(['eu-west-1', 'us-east-1', 'us-west-2', NO_REGION]);
      expect(v?.share['us-east-1']).to.deep.equal([60, null, 0]);
      expect(v?.share['us-west-2']).to.deep.equal([20, null, 100]);
      expect(v?.share[NO_REGION]).to.deep.equal([20, null, 0]);
      expect(v?.share['eu-west-1']).to.deep.equal([0, null, 0]);
      expect(v?.errorRate).to.deep.equal([20, null, 0]);
      // k6: i = p * (n - 1), linear between neighbours: p(95) of 10..50 = 40 + 0.6 * 10.
      expect(v?.latency.p50).to.deep.equal([30, null, 99]);
      expect(v?.latency.p95[0]).to.be.closeTo(48, 1e-9);
      // p(95) of 10, 20, 30, 40, 50, 99: i = 0.95 * 5 = 4.75, so 50 + 0.75 * 49.
      expect(v?.totals).to.deep.equal({ requests: 6, failed: 1, servedBy: { 'us-east-1': 3, 'us-west-2': 2, [NO_REGION]: 1 }, p95: 86.75 });
    });

    it('spans a given window, leaving seconds without points empty rather than zero', () => {
      const b = new ReportSeriesBuilder();
      b.add('http_req_duration', { vantage: 'v' }, T0 + 1500, 5);
      const { vantages } = b.finish({ start: T0, end: T0 + 3000 });
      expect(vantages[0]?.seconds).to.have.length(4);
      expect(vantages[0]?.latency.p99).to.deep.equal([null, 5, null, null]);
    });
  });

  it('healthBands: one band per stretch of equal status, the last one open until the end', () => {
    const bands = healthBands(
      [
        { time: T0 + 2000, region: 'a', healthy: false },
        { time: T0, region: 'a', healthy: true },
        { time: T0 + 1000, region: 'a', healthy: true },
        { time: T0 + 5000, region: 'a', healthy: true },
        { time: T0, region: 'b', healthy: true },
      ],
      T0 + 9000,
    );
    expect(bands).to.deep.equal([
      { region: 'a', from: T0, to: T0 + 2000, healthy: true },
      { region: 'a', from: T0 + 2000, to: T0 + 5000, healthy: false },
      { region: 'a', from: T0 + 5000, to: T0 + 9000, healthy: true },
      { region: 'b', from: T0, to: T0 + 9000, healthy: true },
    ]);
  });

  describe('verdictFromJson', () => {
    it('reads schema version 1: status, groupLabel, ratios as percent, reasons, failover marks', () => {
      const { verdict, gates, failover } = verdictFromJson({
        schemaVersion: 1,
        verdict: 'rollback',
        reasons: [{ gate: 'errors', measure: 'rate http_req_failed', groupLabel: 'vantage=eu', message: 'error rate 2% > 1%' }],
        gates: [
          {
            gate: 'errors',
            kind: 'error-rate',
            measure: 'rate http_req_failed',
            group: { vantage: 'eu' },
            groupLabel: 'vantage=eu',
            status: 'fail',
            measured: 0.02,
            op: '<=',
            bound: 0.01,
            unit: 'ratio',
            samples: 400,
            minSamples: 100,
            scope: { window: 'whole run', population: 'http_req_failed (vantage=eu)' },
            interval: { lower: 0.0105, upper: 0.0355, confidence: 0.95, method: 'clopper-pearson' },
            reason: 'too many errors',
          },
          {
            gate: 'latency',
            kind: 'latency',
            measure: 'p(99) http_req_duration',
            group: {},
            groupLabel: 'all',
            status: 'inconclusive',
            measured: null,
            op: '<=',
            bound: 500,
            unit: 'ms',
            samples: 3,
            minSamples: 100,
            reason: 'too few samples',
          },
        ],
        failover: [
          {
            fault: { id: 'f1' },
            detectedAt: '2026-11-23T05:00:10Z',
            detectionSeconds: 10,
            vantages: [
              { vantage: 'eu', failoverAt: '2026-11-23T05:00:14Z', failoverSeconds: 14, rebalancedAt: null, rebalanceSeconds: null },
              { vantage: 'ap', affected: false, failoverAt: null, failoverSeconds: null, rebalancedAt: null, rebalanceSeconds: null },
            ],
          },
        ],
      });
      expect(verdict).to.deep.equal({ kind: 'rollback', reasons: ['error rate 2% > 1%'] });
      expect(gates[0]).to.deep.include({
        gate: 'errors: rate http_req_failed',
        group: 'vantage=eu',
        measured: 2,
        bound: '<= 1',
        unit: '%',
        interval: '[1.05, 3.55] % at 95 %',
        judged: 'whole run; http_req_failed (vantage=eu)',
        samples: 400,
        verdict: 'fail',
      });
      expect(gates[1]).to.deep.include({
        group: '',
        measured: null,
        bound: '<= 500',
        unit: 'ms',
        verdict: 'inconclusive',
        detail: 'too few samples (minimum 100 samples)',
      });
      expect(failover).to.deep.equal([
        {
          faultId: 'f1',
          detectedAt: Date.parse('2026-11-23T05:00:10Z'),
          vantages: [{ vantage: 'eu', failoverAt: Date.parse('2026-11-23T05:00:14Z'), rebalancedAt: undefined, failoverSeconds: 14 }],
          unaffected: ['ap'],
        },
      ]);
    });

    it('shows a schema version it does not know as no verdict, saying why, instead of misreading it', () => {
      const { verdict, gates } = verdictFromJson({ schemaVersion: 2, verdict: 'approve', gates: [{ status: 'pass' }] });
      expect(verdict.kind).to.equal('none');
      expect(verdict.reasons[0]).to.contain('schema version 2');
      expect(gates).to.deep.equal([]);
    });
  });
});
