import { expect } from 'chai';
import { DEFAULT_CHECKS, defaultGates } from '../../../config/gates.ts';
import { gateSchema, gatesSchema } from '../../../config/gates-schema.ts';

// `crosswind gate` without a config judges with defaultGates() and never loads the schema: these keep the two equal.
describe('default gates without the schema', () => {
  it('equal what the schema makes of an empty gates section', () => {
    expect(defaultGates(), 'defaultGates() against gatesSchema.parse({})').to.deep.equal(gatesSchema.parse({}));
  });

  it('are each what the schema makes of it: every default of its kind filled', () => {
    for (const check of DEFAULT_CHECKS) {
      expect(check, `${check.kind} as the schema resolves it`).to.deep.equal(gateSchema.parse(check));
    }
  });

  it('hand out copies: judging one run cannot change the defaults of the next', () => {
    const first = defaultGates();
    (first.checks[0] as { groupBy: string[] }).groupBy.push('served_by');
    first.failover.where.scenario = 'x';
    expect(defaultGates(), 'after changing an earlier copy').to.deep.equal(gatesSchema.parse({}));
  });
});
