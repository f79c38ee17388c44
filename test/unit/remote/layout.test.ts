import { expect } from 'chai';
import { chunkKey, parseManifest, parseS3Url, runKey, segmentArgs } from '../../../synthetics/runner/layout.ts';

describe('remote runners in S3: keys and formats', () => {
  it('parses s3:// URLs and refuses anything else', () => {
    expect(parseS3Url('s3://shop-runs/crosswind/shop/run-1/')).to.deep.equal({ bucket: 'shop-runs', key: 'crosswind/shop/run-1' });
    expect(parseS3Url('https://shop-runs.s3.amazonaws.com/x')).to.equal(undefined);
    expect(parseS3Url('s3://Shop_Runs/x')).to.equal(undefined);
  });

  it('keeps runs apart by project and run, and chunks in the order the runner wrote them', () => {
    expect(runKey('/crosswind/', 'shop', '20261130-095953-gameday')).to.equal('crosswind/shop/20261130-095953-gameday');
    expect(runKey('', 'shop', 'r')).to.equal('shop/r');
    const keys = [12, 3, 100000, 1].map((n) => chunkKey('run/runners/eu-1', n));
    expect([...keys].sort()).to.deep.equal([1, 3, 12, 100000].map((n) => chunkKey('run/runners/eu-1', n)));
    expect(keys[3]).to.equal('run/runners/eu-1/chunk-000001.ndjson.gz');
  });

  it("splits a vantage's load into k6 execution segments that cover it exactly once", () => {
    expect(segmentArgs(0, 1), 'one runner takes the whole load').to.deep.equal([]);
    const parts = [0, 1, 2].map((i) => segmentArgs(i, 3));
    expect(parts.map((p) => p[1])).to.deep.equal(['0:1/3', '1/3:2/3', '2/3:1']);
    expect(new Set(parts.map((p) => p[3]))).to.deep.equal(new Set(['0,1/3,2/3,1']));
  });

  it('reads a manifest back, and says why a text is not one', () => {
    const m = { version: 1, runner: { id: 'eu-1', vantage: 'eu', host: 'h' }, chunks: 2, updatedAt: 5, lines: 10 };
    expect(parseManifest(JSON.stringify(m))).to.deep.include({ chunks: 2 });
    expect(parseManifest('{')).to.equal('not JSON');
    expect(parseManifest('{"version":2}')).to.equal('not a runner manifest (version 1)');
  });
});
