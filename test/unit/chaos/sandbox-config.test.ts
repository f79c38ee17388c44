import { expect } from 'chai';
import { mergeConfigLayer } from '../../../config/layer.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { configFromSandboxState } from '../../../sandbox/sandbox-config.ts';
import type { SandboxState } from '../../../sandbox/state.ts';

const state = {
  aws: {
    accountId: '123456789012',
    controlRegion: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    endpoints: {},
  },
  route53: { hostedZoneId: 'Z123', weightedRecordName: 'weighted.app.sandbox.crosswind.test' },
  regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1', healthCheckId: 'hc1', setIdentifier: 'us-east-1' }],
  vantages: [{ name: 'vantage-us-east', endpoint: 'http://127.0.0.1:2', nearestRegion: 'us-east-1' }],
} as unknown as SandboxState;

describe('chaos config from a sandbox state', () => {
  it('points shift-weight at the sandbox weighted record set; an explicit chaos section wins', () => {
    const config = resolveConfig(mergeConfigLayer({ project: 'shop', chaos: { minHealthyRegions: 2 } }, configFromSandboxState(state)));
    expect(config.chaos.weightedRecords).to.deep.equal({
      hostedZoneId: 'Z123',
      name: 'weighted.app.sandbox.crosswind.test',
      type: 'CNAME',
    });
    expect(config.chaos.minHealthyRegions).to.equal(2);
    const own = resolveConfig(
      mergeConfigLayer(
        { project: 'shop', chaos: { weightedRecords: { hostedZoneId: 'Z9', name: 'api.example.com' } } },
        configFromSandboxState(state),
      ),
    );
    expect(own.chaos.weightedRecords).to.deep.equal({ hostedZoneId: 'Z9', name: 'api.example.com', type: 'A' });
  });
});
