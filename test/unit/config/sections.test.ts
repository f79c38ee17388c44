import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../../config/config-error.ts';
import { readConfigFile } from '../../../config/load.ts';
import { resolveConfig, SECTION_SCHEMAS } from '../../../config/resolve.ts';
import { configSchemaWith, parseConfig } from '../../../config/schema.ts';
import { SECTION_DEFAULTS } from '../../../config/section-defaults.ts';
import { sectionSchemasFor } from '../../../config/sections.ts';
import { REPO } from '../../support/repo.ts';

// A config file is validated with the schemas of the sections it has, and the defaults of those it leaves out
// (sections.ts); data built in memory with every schema (resolve.ts). These keep the two the same config.
const CORE = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'http://127.0.0.1:1' },
    { name: 'eu-west-1', endpoint: 'http://127.0.0.1:2' },
  ],
  globalEndpoint: 'http://127.0.0.1:3',
};

/** What loading a file makes of raw data: only the schemas of its sections. */
async function loaded(raw: unknown) {
  return parseConfig(configSchemaWith(await sectionSchemasFor(raw)), raw, 'test');
}

describe('config sections left out', () => {
  it('come to what each schema makes of an empty section', () => {
    // (The gates section's defaults are config/gates.ts's, kept equal to its schema in gates.test.ts.)
    for (const [section, defaults] of Object.entries(SECTION_DEFAULTS)) {
      expect(defaults, section).to.deep.equal(SECTION_SCHEMAS[section as keyof typeof SECTION_DEFAULTS].parse({}));
    }
  });

  it('make the same config as every schema at hand, for the examples and for a config with every section', async () => {
    // (demo and sandbox are completed by a running sandbox's layer.)
    const examples = ['minimal', 'remote-runners'].map((e) => join(REPO, 'examples', `${e}.config.yaml`));
    const every = {
      ...CORE,
      sandbox: {},
      gates: { checks: [{ kind: 'latency', metric: 'request_duration', percentile: 95, bound: 500 }] },
      chaos: { minHealthyRegions: 1, faultDeadline: '10m' },
      synthetics: { http: { timeout: '2s' } },
      distributed: { k6Operator: { parallelism: 2 } },
      gameday: { ratePerVantage: 5 },
      rollout: { rate: 10 },
      probe: { cycles: 3 },
    };
    const raws: unknown[] = [CORE, every, ...(await Promise.all(examples.map((f) => readConfigFile(f))))];
    for (const raw of raws) expect(await loaded(raw), JSON.stringify(raw).slice(0, 80)).to.deep.equal(resolveConfig(raw, 'test'));
    // Each section alone, among sections left out.
    for (const [section, value] of Object.entries(every)) {
      if (section in CORE) continue;
      const raw = { ...CORE, [section]: value };
      expect(await loaded(raw), section).to.deep.equal(resolveConfig(raw, 'test'));
    }
  });

  it('report the same problems for a section given wrong, naming its fields', async () => {
    const raw = { ...CORE, chaos: { minHealthyRegions: 0, faultDeadline: 'soon' }, rollout: { rate: -1 } };
    const problems = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
      throw new Error('accepted');
    };
    const fromFile = await problems(() => loaded(raw));
    expect(fromFile.map((p) => p.path)).to.include.members(['chaos.minHealthyRegions', 'chaos.faultDeadline', 'rollout.rate']);
    expect(fromFile).to.deep.equal(await problems(() => resolveConfig(raw, 'test')));
  });

  it('hand out copies: a loaded config changed cannot change the next one', async () => {
    const first = await loaded(CORE);
    first.chaos.stopConditions.alarms.push('arn:aws:cloudwatch:us-east-1:123456789012:alarm:x');
    first.gameday.phases.length = 0;
    first.gates.checks.length = 0;
    expect(await loaded(CORE)).to.deep.equal(resolveConfig(CORE, 'test'));
  });
});
