import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { FaultTimeline } from '../../../validations/failover-timeline.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';
import { renderJunit } from '../../../validations/reporters/junit.ts';
import { renderMarkdown } from '../../../validations/reporters/markdown.ts';
import { verdictDocument } from '../../../validations/reporters/verdict-document.ts';
import { verdictDocumentSchema } from '../../../validations/reporters/verdict-schema.ts';
import { SCHEMA_FILE, schemaText } from '../../../validations/reporters/write-schema.ts';
import { decide } from '../../../validations/verdict.ts';

const result = (over: Partial<GateResult>): GateResult => ({
  gate: 'latency-p99',
  kind: 'latency',
  measure: 'p(99) http_req_duration',
  group: { vantage: 'eu' },
  groupLabel: 'vantage=eu',
  status: 'pass',
  measured: 120.5,
  op: '<=',
  bound: 1000,
  unit: 'ms',
  samples: 500,
  minSamples: 100,
  scope: { window: 'whole run', population: 'http_req_duration (vantage=eu)' },
  reason: 'p(99) http_req_duration [vantage=eu]: 120.5 ms <= 1000 ms (500 samples)',
  ...over,
});

describe('reporters', () => {
  const results = [
    result({ interval: { lower: 101.2, upper: 130.25, confidence: 0.95, method: 'order-statistics' } }),
    result({
      groupLabel: 'vantage=<us&"x">',
      group: { vantage: '<us&"x">' },
      status: 'fail',
      measured: 1500,
      reason: 'p(99) [vantage=<us&"x">]: 1500 ms not <= 1000 ms',
    }),
    result({
      gate: 'error-rate',
      kind: 'error-rate',
      status: 'inconclusive',
      measured: null,
      samples: 3,
      unit: 'ratio',
      bound: 0.01,
      reason: 'too few | samples',
    }),
  ];
  const judgement = { verdict: decide(results), results };

  it('keeps the committed JSON Schema equal to the one generated from the zod schema', async () => {
    expect(JSON.parse(await readFile(SCHEMA_FILE, 'utf8')), 'run: node --import tsx validations/reporters/write-schema.ts').to.deep.equal(
      JSON.parse(schemaText()),
    );
  });

  it('writes a verdict document that its own schema accepts', () => {
    const doc = verdictDocument(judgement, { now: () => Date.UTC(2026, 0, 1), failover: [] });
    expect(verdictDocumentSchema.parse(doc)).to.deep.equal(doc);
    expect(doc).to.deep.include({ schemaVersion: 1, verdict: 'rollback', exitCode: 1, generatedAt: '2026-01-01T00:00:00.000Z' });
    expect(doc.summary).to.deep.equal({ pass: 1, fail: 1, inconclusive: 1 });
    expect(doc.reasons).to.have.length(1);
  });

  it('writes one JUnit test case per result, escaped, failures and skips counted', () => {
    const xml = renderJunit(judgement);
    expect(xml.match(/<testcase /g)).to.have.length(3);
    expect(xml).to.contain('<testsuites name="crosswind gates: rollback" tests="3" failures="1" errors="0" skipped="1">');
    expect(xml).to.contain('name="p(99) http_req_duration [vantage=&lt;us&amp;&quot;x&quot;&gt;]"');
    expect(xml).to.contain('<skipped message="inconclusive: too few | samples"/>');
    expect(xml).to.not.contain('<us&');
  });

  it('writes a Markdown summary with the verdict, reasons and a row per result', () => {
    const md = renderMarkdown(judgement);
    expect(md).to.match(/^## crosswind gates: ❌ Roll back/);
    expect(md).to.contain('- p(99) [vantage=<us&"x">]: 1500 ms not <= 1000 ms');
    expect(md).to.contain(
      '| ⚠️ inconclusive | error-rate | p(99) http_req_duration | vantage=eu | n/a | – | <= 1 % | 3 (min 100) | whole run; http_req_duration (vantage=eu) |',
    );
    expect(md, 'the interval beside the measured value').to.contain(
      '| 120.5 ms | [101.2 ms, 130.25 ms] 95 % | <= 1000 ms | 500 (min 100) | whole run; http_req_duration (vantage=eu) |',
    );
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).to.equal(5); // header, rule, three rows
    const fault = { id: 'f1', kind: 'invert-health-check' as const, region: 'us-east-1', appliedAt: 0 };
    const vantage = (name: string, affected: boolean) => ({ vantage: name, affected }) as FaultTimeline['vantages'][number];
    const timeline = { fault, vantages: [vantage('vantage-us', true), vantage('vantage-eu', false)] } as FaultTimeline;
    expect(renderMarkdown(judgement, { failover: [timeline] })).to.contain(
      'Not judged as failover: vantage-eu, never served by us-east-1 before fault f1 (unaffected).',
    );
    const profiled = (name: string, profile: string) => ({ vantage: name, profile, affected: false }) as FaultTimeline['vantages'][number];
    const profiles = {
      fault,
      vantages: [profiled('vantage-eu', 'fresh'), profiled('vantage-eu', 'k6-default'), profiled('vantage-ap', 'fresh')],
    };
    expect(renderMarkdown(judgement, { failover: [profiles as FaultTimeline] }), 'each vantage once, with its profiles').to.contain(
      'Not judged as failover: vantage-eu (fresh, k6-default), vantage-ap (fresh), never served by us-east-1 before fault f1 (unaffected).',
    );
  });
});
