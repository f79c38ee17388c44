import { expect } from 'chai';
import { foldPoint, newTally, renderProgress, snapshot } from '../../../pipelines/progress.ts';
import type { K6Point } from '../../../validations/k6-output.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const req = (sec: number, servedBy: string, failed = false): K6Point => ({
  metric: 'request_failed',
  time: T0 + sec * 1000,
  value: failed ? 1 : 0,
  tags: failed ? {} : { served_by: servedBy },
});

describe('live progress', () => {
  it('shows the recent share of traffic per region, the error rate and the elapsed time', () => {
    const tally = newTally();
    for (let s = 0; s < 10; s++) for (let i = 0; i < 4; i++) foldPoint(tally, req(s, 'us-east-1'));
    // The fault: us-east-1 stops answering, the traffic moves to the two others.
    for (let s = 10; s < 20; s++) {
      foldPoint(tally, req(s, 'us-west-2'));
      foldPoint(tally, req(s, 'us-west-2'));
      foldPoint(tally, req(s, 'eu-west-1'));
      if (s === 19) foldPoint(tally, req(s, '', true));
    }
    const snap = snapshot(tally, 'observe', 72_500, ['us-east-1', 'us-west-2', 'eu-west-1']);
    expect(snap.shares.map((x) => [x.region, Number(x.share.toFixed(3))])).to.deep.equal([
      ['us-east-1', 0],
      ['us-west-2', 0.667],
      ['eu-west-1', 0.333],
    ]);
    expect(snap.windowRequests).to.equal(16);
    expect(snap.errorRate).to.equal(1 / 16);
    expect(renderProgress(snap)).to.equal(
      '[01:12] observe            us-east-1 0% | us-west-2 67% | eu-west-1 33%   errors 6.3%   16 req/5s',
    );
  });

  it('ignores other metrics and says so when there is no traffic yet', () => {
    const tally = newTally();
    foldPoint(tally, { metric: 'http_req_duration', time: T0, value: 12, tags: { served_by: 'us-east-1' } });
    const line = renderProgress(snapshot(tally, 'announce', 0, []));
    expect(line).to.equal('[00:00] announce           no traffic yet   errors -   0 req/5s');
  });

  it('keeps a bounded tally over a long run', () => {
    const tally = newTally();
    for (let s = 0; s < 3600; s++) foldPoint(tally, req(s, 'us-east-1'));
    expect(tally.buckets.size).to.be.at.most(10);
    expect(tally.total).to.equal(3600);
  });
});
