import { expect } from 'chai';
import { regionForArn, regionTags, resolveTarget, type TargetableRegion } from '../../../sandbox/fis-targets.ts';

const regions: TargetableRegion[] = ['us-east-1', 'us-west-2', 'eu-west-1'].map((name) => ({
  name,
  arn: `arn:aws:ecs:${name}:123456789012:task/crosswind-sandbox/${name.replaceAll('-', '')}app0001`,
  tags: regionTags(name),
}));
const names = (selected: TargetableRegion[]) => selected.map((r) => r.name);

describe('FIS targets in the sandbox', () => {
  it('resolves target ARNs to region apps: exact ARN first, else the ARN region', () => {
    expect(regionForArn('arn:aws:ecs:eu-west-1:123456789012:task/crosswind-sandbox/euwest1app0001', regions)?.name).to.equal('eu-west-1');
    expect(regionForArn('arn:aws:dynamodb:us-east-1:123456789012:table/orders', regions)?.name).to.equal('us-east-1');
    expect(regionForArn('arn:aws:ecs:ap-south-1:123456789012:task/c/x', regions)).to.equal(undefined);
  });

  it('selects by ARN, once each, in region order', () => {
    const arns = ['arn:aws:ecs:eu-west-1:123456789012:task/c/x', 'arn:aws:ecs:us-east-1:123456789012:task/c/y'];
    expect(names(resolveTarget({ resourceArns: [...arns, arns[0] as string] }, regions))).to.deep.equal(['us-east-1', 'eu-west-1']);
  });

  it('selects by tags: a region app must carry every tag', () => {
    expect(names(resolveTarget({ resourceTags: { 'crosswind:app': 'sandbox' } }, regions))).to.deep.equal([
      'us-east-1',
      'us-west-2',
      'eu-west-1',
    ]);
    expect(names(resolveTarget({ resourceTags: { 'crosswind:app': 'sandbox', 'crosswind:region': 'us-west-2' } }, regions))).to.deep.equal([
      'us-west-2',
    ]);
    expect(resolveTarget({ resourceTags: { 'crosswind:app': 'sandbox', team: 'payments' } }, regions)).to.deep.equal([]);
  });

  it('narrows by selection mode: ALL, COUNT(n), PERCENT(n) rounded down', () => {
    const all = { resourceTags: { 'crosswind:app': 'sandbox' } };
    expect(resolveTarget({ ...all, selectionMode: 'ALL' }, regions)).to.have.length(3);
    expect(names(resolveTarget({ ...all, selectionMode: 'COUNT(2)' }, regions))).to.deep.equal(['us-east-1', 'us-west-2']);
    expect(resolveTarget({ ...all, selectionMode: 'COUNT(5)' }, regions)).to.have.length(3);
    expect(names(resolveTarget({ ...all, selectionMode: 'PERCENT(50)' }, regions))).to.deep.equal(['us-east-1']);
    expect(resolveTarget({ ...all, selectionMode: 'PERCENT(100)' }, regions)).to.have.length(3);
  });
});
