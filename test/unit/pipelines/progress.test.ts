import { expect } from 'chai';
import type { K6Point } from '../../../core/k6-output.ts';
import { foldPoint, newTally, regionErrorRate, renderProgress, snapshot } from '../../../pipelines/progress.ts';

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

  it('gives the recent error rate of the answers given regions stamped (the blast radius)', () => {
    const tally = newTally();
    const stamped = (sec: number, region: string, failed: boolean): K6Point => ({
      metric: 'request_failed',
      time: T0 + sec * 1000,
      value: failed ? 1 : 0,
      tags: { served_by: region },
    });
    for (let i = 0; i < 9; i++) foldPoint(tally, stamped(1, 'us-west-2', false));
    foldPoint(tally, stamped(1, 'us-west-2', true));
    foldPoint(tally, stamped(1, 'us-east-1', true));
    foldPoint(tally, req(1, '', true));
    expect(regionErrorRate(tally, ['us-west-2'])).to.equal(0.1);
    expect(regionErrorRate(tally, ['us-west-2', 'us-east-1'])).to.equal(2 / 11);
    expect(regionErrorRate(tally, ['eu-west-1'])).to.equal(undefined);
  });

  it('keeps a bounded tally over a long run', () => {
    const tally = newTally();
    for (let s = 0; s < 3600; s++) foldPoint(tally, req(s, 'us-east-1'));
    expect(tally.buckets.size).to.be.at.most(10);
    expect(tally.total).to.equal(3600);
  });
});
