import { expect } from 'chai';
import { withEvidenceGaps } from '../../../validations/evidence-gaps.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';
import { decide } from '../../../validations/verdict.ts';

const result = (measure: string, group: Record<string, string>, status: GateResult['status'] = 'pass'): GateResult => ({
  gate: 'failover',
  kind: 'failover',
  measure,
  group,
  groupLabel:
    Object.entries(group)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || 'all',
  status,
  measured: 1,
  op: '<=',
  bound: 60,
  unit: 's',
  samples: 50,
  minSamples: 5,
  window: { start: 0, end: 1 },
  scope: { window: 'from t_fault', population: `requests from ${group.vantage ?? 'every vantage'}` },
  reason: `${measure}: 1 s <= 60 s (50 samples)`,
});

describe('evidence gaps: runners that failed make their vantages inconclusive, never absent', () => {
  const results = [
    result('detection time', { fault: 'f1', region: 'us-east-1' }),
    result('client-seen failover time', { fault: 'f1', region: 'us-east-1', vantage: 'us' }),
    result('client-seen failover time', { fault: 'f1', region: 'us-east-1', vantage: 'eu' }, 'fail'),
    result('p(99) request_duration', { served_by: 'us-west-2' }),
  ];

  it('leaves the results as they are without gaps', () => {
    expect(withEvidenceGaps(results, [])).to.deep.equal(results);
    expect(decide(withEvidenceGaps(results, [])).kind).to.equal('rollback');
  });

  it("turns the gapped vantage's results and whole-population results inconclusive, naming why; detection stands", () => {
    const out = withEvidenceGaps(results, [{ vantage: 'eu', reason: 'vantage eu: runner eu-1 fell silent' }]);
    expect(out.map((r) => r.status)).to.deep.equal(['pass', 'pass', 'inconclusive', 'inconclusive']);
    expect(out[2]?.reason).to.contain('inconclusive: vantage eu: runner eu-1 fell silent');
    expect(out[3]?.reason).to.contain('vantage eu: runner eu-1 fell silent');
    expect(decide(out).kind, 'a failure measured on broken evidence no longer decides').to.equal('inconclusive');
  });

  it('adds a result for a vantage that has none, so it stays in the verdict', () => {
    const out = withEvidenceGaps(results, [{ vantage: 'ap', reason: 'vantage ap: runner ap-1 could not be started: RunTask failed' }]);
    const added = out.filter((r) => r.group.vantage === 'ap');
    expect(added).to.have.length(1);
    expect(added[0]).to.deep.include({
      status: 'inconclusive',
      measured: null,
      samples: 0,
      groupLabel: 'vantage=ap',
      measure: 'client-seen failover time',
    });
    expect(added[0]?.window, 'nothing was measured, so no window').to.equal(undefined);
    expect(added[0]?.scope).to.deep.equal({ window: 'from t_fault', population: 'requests from ap: none received' });
    expect(added[0]?.reason).to.equal(
      'client-seen failover time [vantage=ap]: not measured; vantage ap: runner ap-1 could not be started: RunTask failed',
    );
  });
});
