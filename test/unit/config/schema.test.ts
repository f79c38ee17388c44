import { expect } from 'chai';
import { formatPath } from '../../../config/problems.ts';
import { redact } from '../../../config/redact.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { problemsOf } from '../../support/config-problems.ts';

const valid = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'https://use1.example.com' },
    { name: 'eu-west-1', endpoint: 'https://euw1.example.com', servedBy: { jsonField: 'meta.region' } },
  ],
  globalEndpoint: 'https://api.example.com',
};

describe('config schema', () => {
  it('fills defaults once: servedBy header, allowed regions, a vantage at the global endpoint', () => {
    const c = resolveConfig(valid);
    expect(c.regions[0]?.servedBy).to.deep.equal({ header: 'x-served-by' });
    expect(c.regions[1]?.servedBy).to.deep.equal({ jsonField: 'meta.region' });
    expect(c.aws.allowedRegions).to.deep.equal(['us-east-1', 'eu-west-1']);
    expect(c.aws.controlRegion).to.equal('us-east-1');
    expect(c.vantages).to.deep.equal([{ name: 'global', endpoint: 'https://api.example.com', runner: { kind: 'local' } }]);
  });

  it('reports every problem at once, each with its path and what was expected', () => {
    const problems = problemsOf({
      ...valid,
      aws: { accountIds: ['12'] },
      regions: [...valid.regions, { name: 'us-west-2', endpoint: 'foo', colour: 'red' }],
    });
    expect(problems).to.have.members([
      'aws.accountIds[0]: expected a 12-digit AWS account id, got "12"',
      'regions[2].endpoint: expected an http(s) URL, got "foo"',
      'regions[2].colour: unknown field',
    ]);
  });

  it('says what is wrong inside a field of several shapes: the shape the value has, else every shape it could have', () => {
    const runner = (value: unknown) => problemsOf({ ...valid, vantages: [{ name: 'v', endpoint: 'http://127.0.0.1:1', runner: value }] });
    // An object is judged as the runner its kind names.
    expect(runner({ kind: 'ecs' })).to.have.members([
      'vantages[0].runner.region: required (expected string)',
      'vantages[0].runner.cluster: required (expected string)',
      'vantages[0].runner.subnets: required (expected array)',
    ]);
    expect(runner({ kind: 'remote' })).to.deep.equal([
      'vantages[0].runner.kind: expected one of "local", "ecs", "k6-operator", got "remote"',
    ]);
    expect(runner('remote')).to.deep.equal(['vantages[0].runner: expected "local" or an object, got "remote"']);
    // An alarm is a name or an object: the object's own problem.
    expect(problemsOf({ ...valid, chaos: { stopConditions: { alarms: [{ name: 'a', colour: 'red' }] } } })).to.deep.equal([
      'chaos.stopConditions.alarms[0].colour: unknown field',
    ]);
    expect(problemsOf({ ...valid, gates: { checks: [{ kind: 'latncy' }] } })).to.deep.equal([
      'gates.checks[0].kind: expected one of "latency", "error-rate", "failover", "replication", "cloudwatch", "comparison", "capacity", "deep-health", "dependency-down", got "latncy"',
    ]);
    // A union with a message of its own keeps it.
    expect(problemsOf({ ...valid, chaos: { faultDeadline: true } })).to.deep.equal([
      'chaos.faultDeadline: expected a duration like "1h30m", "1m30s" or "500ms" (k6\'s syntax), or milliseconds as a number, got true',
    ]);
  });

  it('names a missing required field', () => {
    expect(
      problemsOf({ aws: { accountIds: ['123456789012'] }, regions: valid.regions, globalEndpoint: valid.globalEndpoint }),
    ).to.deep.equal(['project: required (expected string)']);
  });

  it('refuses regions outside aws.allowedRegions, duplicates, and a config with no way to reach users', () => {
    const problems = problemsOf({
      project: 'shop',
      aws: { accountIds: ['123456789012'], allowedRegions: ['us-east-1'] },
      regions: [valid.regions[0], valid.regions[0], valid.regions[1]],
    });
    expect(problems).to.have.members([
      'regions[1].name: region "us-east-1" is listed twice',
      'regions[2].name: "eu-west-1" is not in aws.allowedRegions (us-east-1)',
      'vantages: expected vantages, or a globalEndpoint to use as the one vantage',
    ]);
  });

  it('rejects a servedBy with both or neither of header and jsonField', () => {
    const problems = problemsOf({ ...valid, regions: [{ ...valid.regions[0], servedBy: { header: 'x', jsonField: 'y' } }] });
    expect(problems).to.deep.equal(['regions[0].servedBy: expected exactly one of "header" or "jsonField"']);
  });

  it('formats paths the way users read them', () => {
    expect(formatPath(['regions', 2, 'endpoint'])).to.equal('regions[2].endpoint');
    expect(formatPath([])).to.equal('');
  });

  it('redacts secrets wherever they are', () => {
    const out = redact({ aws: { credentials: { accessKeyId: 'AKIA', secretAccessKey: 's3cret' }, profile: 'p' }, list: [{ apiKey: 'k' }] });
    expect(JSON.stringify(out)).not.to.match(/s3cret|AKIA|"k"/);
    expect(out).to.deep.equal({ aws: { credentials: '[redacted]', profile: 'p' }, list: [{ apiKey: '[redacted]' }] });
  });
});
