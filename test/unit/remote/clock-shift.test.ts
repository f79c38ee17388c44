import { expect } from 'chai';
import { parseK6Line } from '../../../core/k6-output.ts';
import { shiftLine, shiftLines, shiftTime } from '../../../pipelines/remote/clock-shift.ts';

const point = (time: string) =>
  `{"metric":"request_failed","type":"Point","data":{"time":"${time}","value":0,"tags":{"served_by":"us-west-2","vantage":"vantage-eu"}}}`;

describe('moving runner points onto one clock', () => {
  it('moves a k6 time by a fractional offset, keeping microseconds', () => {
    expect(shiftTime('2026-11-30T09:25:42.108188979Z', 2500.5)).to.equal('2026-11-30T09:25:44.608689Z');
    expect(shiftTime('2026-11-30T09:25:42.108188979Z', -42.2)).to.equal('2026-11-30T09:25:42.065989Z');
    expect(shiftTime('2026-11-30T23:59:59.999Z', 1)).to.equal('2026-12-01T00:00:00.000000Z');
    expect(shiftTime('2026-11-30T10:25:42.5+01:00', 0.25)).to.equal('2026-11-30T09:25:42.500250Z');
    expect(shiftTime('yesterday', 5)).to.equal(undefined);
  });

  it('changes only the point time, so the reader reads the line as before, later by the offset', () => {
    const line = point('2026-11-30T09:25:42.108188979Z');
    const moved = shiftLine(line, -3000);
    expect(moved.replace(/"time":"[^"]*"/, '')).to.equal(line.replace(/"time":"[^"]*"/, ''));
    const before = parseK6Line(line);
    const after = parseK6Line(moved);
    if (before?.kind !== 'point' || after?.kind !== 'point') throw new Error('not points');
    expect(after.point.time - before.point.time).to.equal(-3000);
  });

  it('leaves metric lines, and everything at a zero offset, untouched', () => {
    const metric =
      '{"type":"Metric","data":{"name":"request_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"request_failed"}';
    const text = `${metric}\n${point('2026-11-30T09:25:42Z')}\n`;
    expect(shiftLines(text, 0)).to.equal(text);
    expect(shiftLines(text, 1000).split('\n')[0]).to.equal(metric);
    expect(shiftLines(text, 1000).split('\n')[1]).to.contain('"time":"2026-11-30T09:25:43.000000Z"');
  });
});
