/** A raw config of two regions with health checks and weighted-record identifiers, as chaos and pipeline tests start from. */
export const TWO_REGIONS = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'http://127.0.0.1:9', healthCheckId: 'hc-use1', setIdentifier: 'use1' },
    { name: 'eu-west-1', endpoint: 'http://127.0.0.1:9', healthCheckId: 'hc-euw1', setIdentifier: 'euw1' },
  ],
  globalEndpoint: 'http://127.0.0.1:9',
};
