import { expect } from 'chai';
import { deepHealth } from '../../../../sandbox/region-app/health.ts';

describe('region-app deep health', () => {
  it('answers 503 "down" when a critical dependency is down, 200 "degraded" for the cache alone', () => {
    const zero = () => 0;
    expect(deepHealth('eu-west-1', '1.0.0', { dependenciesDown: [] }, zero)).to.deep.equal({
      code: 200,
      body: {
        status: 'ok',
        region: 'eu-west-1',
        version: '1.0.0',
        checks: {
          database: { status: 'ok', latency_ms: 3 },
          cache: { status: 'ok', latency_ms: 1 },
          downstream: { status: 'ok', latency_ms: 4 },
        },
      },
    });
    expect(deepHealth('eu-west-1', '1.0.0', { dependenciesDown: ['cache'] }, zero)).to.deep.include({ code: 200 });
    expect(deepHealth('eu-west-1', '1.0.0', { dependenciesDown: ['cache'] }, zero).body.status).to.equal('degraded');
    expect(deepHealth('eu-west-1', '1.0.0', { dependenciesDown: ['downstream'] }, zero).code).to.equal(503);
    expect(deepHealth('eu-west-1', '1.0.0', { dependenciesDown: ['database'] }, zero).body.checks.database).to.deep.equal({
      status: 'down',
      latency_ms: 0,
    });
  });
});
