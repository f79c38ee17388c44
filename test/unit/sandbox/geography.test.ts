import { expect } from 'chai';
import { defaultVantages, latencyRow, parseVantageSpecs } from '../../../sandbox/geography.ts';

describe('geography', () => {
  it('places one default vantage in each region geography plus one more, each nearest its own region', () => {
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1'];
    const vantages = defaultVantages(regions);
    expect(vantages.map((v) => v.name)).to.deep.equal(['vantage-us-east', 'vantage-us-west', 'vantage-eu', 'vantage-ap']);
    expect(vantages.slice(0, 3).map((v) => latencyRow(v, regions).nearestRegion)).to.deep.equal(regions);
  });

  it('keeps latencies small (a few ms to 40 ms)', () => {
    const regions = ['us-east-1', 'ap-southeast-2', 'sa-east-1'];
    for (const v of defaultVantages(regions)) {
      for (const ms of Object.values(latencyRow(v, regions).latencyMs)) expect(ms).to.be.within(1, 40);
    }
  });

  it('parses vantage specs and reports the ones it cannot place', () => {
    const { vantages, problems } = parseVantageSpecs(['vantage-eu', 'branch@ap-south-1', 'us-east-1', 'narnia', 'x@moon-1']);
    expect(vantages.map((v) => v.name)).to.deep.equal(['vantage-eu', 'branch', 'vantage-us-east-1']);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.include('narnia');
    expect(problems[1]).to.include('moon-1');
  });
});
