import { expect } from 'chai';
import { failedThresholds, k6RunResult } from '../../../synthetics/k6-result.ts';

const files = { plan: 'p', ndjson: 'n', summary: 's', log: 'l' };
const base = (exitCode: number | null, extra: Partial<Parameters<typeof k6RunResult>[0]> = {}) => ({
  exitCode,
  signal: null,
  files,
  durationMs: 10,
  stderrTail: '',
  ...extra,
});

describe('k6 run results', () => {
  it('maps exit codes to kinds', () => {
    expect(k6RunResult(base(0), false).kind).to.equal('ok');
    expect(k6RunResult(base(99), false).kind).to.equal('thresholds-failed');
    expect(k6RunResult(base(108), false).kind).to.equal('aborted');
    expect(k6RunResult(base(105), false).kind).to.equal('interrupted');
    expect(k6RunResult(base(107), false).kind).to.equal('script-error');
    expect(k6RunResult(base(104), false).kind).to.equal('script-error');
    expect(k6RunResult(base(1), false).kind).to.equal('failed');
    expect(k6RunResult(base(null, { signal: 'SIGKILL' }), false).kind).to.equal('interrupted');
  });

  it('calls a run stopped on request interrupted, whatever k6 then exits with', () => {
    expect(k6RunResult(base(99), true).kind).to.equal('interrupted');
    expect(k6RunResult(base(0), true).kind).to.equal('ok');
  });

  it('lists crossed thresholds from the exported summary', () => {
    const summary = {
      metrics: {
        http_req_failed: { value: 1, thresholds: { 'rate<0.01': true } },
        'http_req_duration{vantage:x}': { 'p(95)': 1, thresholds: { 'p(99)<1000': false } },
        checks: { value: 1 },
      },
    };
    expect(failedThresholds(summary)).to.deep.equal(['http_req_failed: rate<0.01']);
    const r = k6RunResult(base(99, { summary }), false);
    expect(r.kind === 'thresholds-failed' && r.failedThresholds).to.deep.equal(['http_req_failed: rate<0.01']);
  });

  it('takes the message of a script error from k6 stderr', () => {
    const stderrTail = 'time="x" level=error msg="Error: CROSSWIND_PLAN is not set\\n\\tat file:///a.ts:1" hint="script exception"\n';
    const r = k6RunResult(base(107, { stderrTail }), false);
    expect(r.kind === 'script-error' && r.message).to.equal('Error: CROSSWIND_PLAN is not set  at file:///a.ts:1');
  });
});
