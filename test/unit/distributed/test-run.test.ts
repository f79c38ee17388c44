import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { resolveConfig } from '../../../config/resolve.ts';
import { ConfigError } from '../../../core/errors.ts';
import { testRunManifest } from '../../../pipelines/distributed/test-run.ts';

const base = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [{ name: 'us-east-1', endpoint: 'https://use1.example.com' }],
  globalEndpoint: 'https://api.example.com',
};

describe('distributed runs', () => {
  it('config: defaults for k6-operator, no cloud options unless configured', () => {
    const c = resolveConfig(base);
    expect(c.distributed.k6Operator).to.deep.equal({
      namespace: 'default',
      parallelism: 4,
      runnerImage: 'grafana/k6:2.2.0',
      separate: false,
      resultsClaim: 'crosswind-k6-results',
      cleanup: true,
      arguments: [],
    });
    expect(c.distributed.cloud).to.deep.equal({});
  });

  it('config: every problem with its path (names, parallelism, load zones, percents)', () => {
    try {
      resolveConfig({
        ...base,
        distributed: {
          k6Operator: { namespace: 'Load_Test', parallelism: 0 },
          cloud: { distribution: { a: { loadZone: 'ashburn', percent: 50 }, b: { loadZone: 'amazon:ie:dublin', percent: 20 } } },
        },
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      const problems = (err as ConfigError).problems.map((p) => p.path);
      expect(err).to.be.instanceOf(ConfigError);
      expect(problems).to.include.members([
        'distributed.k6Operator.namespace',
        'distributed.k6Operator.parallelism',
        'distributed.cloud.distribution.a.loadZone',
      ]);
    }
  });

  it('manifest: a ConfigMap with the archive and plan, and a TestRun running that archive on N runners', () => {
    const operator = resolveConfig({
      ...base,
      distributed: { k6Operator: { parallelism: 8, separate: true, cleanup: false, arguments: ['--log-output=stdout'] } },
    }).distributed.k6Operator;
    const yaml = testRunManifest({
      name: 'shop-load',
      archive: new Uint8Array([0, 1, 2, 255]),
      plan: { scenario: 'global-traffic' },
      operator,
    });
    const [cm, tr] = parseAllDocuments(yaml).map((d) => d.toJS());
    expect(cm.kind).to.equal('ConfigMap');
    expect(cm.binaryData['archive.tar']).to.equal('AAEC/w==');
    expect(JSON.parse(cm.data['plan.json'])).to.deep.equal({ scenario: 'global-traffic' });
    expect(tr).to.deep.include({ apiVersion: 'k6.io/v1alpha1', kind: 'TestRun' });
    expect(tr.spec.parallelism).to.equal(8);
    expect(tr.spec.separate, 'the runners on separate nodes').to.equal(true);
    expect(tr.spec).to.not.have.property('cleanup');
    expect(tr.spec.arguments).to.equal('--out json=/results/$(CROSSWIND_RUNNER).ndjson --log-output=stdout');
    expect(tr.spec.script).to.deep.equal({ configMap: { name: 'shop-load', file: 'archive.tar' } });
  });
});
