import { expect } from 'chai';
import { durationFlag } from '../../../cli/flags.ts';
import { isoDuration, parseDuration, readDuration } from '../../../config/duration.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import type { ConfigProblem } from '../../../core/errors.ts';
import { problemsOf } from '../../support/config-problems.ts';

const valid = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [
    { name: 'us-east-1', endpoint: 'https://use1.example.com' },
    { name: 'eu-west-1', endpoint: 'https://euw1.example.com' },
  ],
  globalEndpoint: 'https://api.example.com',
};

/** `a.b[1].c` → the raw config with that field set to `value`. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const raw = structuredClone(valid) as Record<string, unknown>;
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let node = raw as Record<string, unknown>;
  keys.slice(0, -1).forEach((k, i) => {
    node[k] ??= /^\d+$/.test(keys[i + 1] as string) ? [] : {};
    node = node[k] as Record<string, unknown>;
  });
  node[keys[keys.length - 1] as string] = value;
  return raw;
}

/** Every duration field of the schema (a phase stands in for each kind of timed phase). */
const DURATION_FIELDS = [
  'chaos.faultDeadline',
  'chaos.stopConditions.pollInterval',
  'chaos.poll.experimentInterval',
  'chaos.poll.experimentDeadline',
  'chaos.poll.stopDeadline',
  'synthetics.http.timeout',
  'synthetics.globalTraffic.duration',
  'synthetics.regionalProbe.duration',
  'synthetics.readYourWrites.duration',
  'synthetics.readYourWrites.deadline',
  'synthetics.readYourWrites.pollInterval',
  'synthetics.readYourWrites.convergence.deadline',
  'synthetics.sessionContinuity.duration',
  'synthetics.sessionContinuity.checkInterval',
  'rollout.hooks.timeout',
  'rollout.weightStepDuration',
  'rollout.trafficDuration',
  'rollout.bakeDuration',
  'rollout.bakeInterval',
  'probe.cycleDuration',
];

describe('one duration grammar for the whole config (k6’s)', () => {
  it('reads k6’s syntax: units from ns to h, several in a row, days, decimals, bare numbers as milliseconds', () => {
    const cases: [string | number, number][] = [
      ['1h30m', 5_400_000],
      ['1m30s', 90_000],
      ['500ms', 500],
      ['2d12h', 216_000_000],
      ['1d', 86_400_000],
      ['1.5s', 1500],
      ['.5s', 500],
      ['1500us', 1.5],
      ['1h0m0s', 3_600_000],
      ['250', 250],
      ['1e3', 1000],
      [250, 250],
      ['0', 0],
    ];
    for (const [text, ms] of cases) expect(parseDuration(text), String(text)).to.equal(ms);
  });

  it('refuses what k6 refuses: no unit after a number, spaces, ISO 8601, unknown units, fractional days', () => {
    for (const text of [
      '',
      's',
      '1x',
      '1h 30m',
      ' 5s',
      'PT5M',
      '5 s',
      '1.5d',
      'd',
      '1d-2h',
      '5sec',
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(parseDuration(text), JSON.stringify(text)).to.equal(undefined);
    }
  });

  it('takes 1h30m wherever a duration goes (chaos.faultDeadline refused it before)', () => {
    for (const field of DURATION_FIELDS) {
      expect(problemsOf(withField(field, '1h30m')), field).to.deep.equal([]);
    }
    expect(resolveConfig(withField('chaos.faultDeadline', '1h30m')).chaos.faultDeadline).to.equal(5_400_000);
    expect(resolveConfig(withField('gameday.phases', [{ kind: 'baseline', duration: '1m30s' }])).gameday.phases[0]).to.deep.equal({
      kind: 'baseline',
      duration: 90_000,
    });
  });

  it('refuses a zero or negative duration in every duration field, naming the field', () => {
    for (const field of DURATION_FIELDS) {
      for (const bad of [0, '0s', '0', -5, '-1m']) {
        expect(problemsOf(withField(field, bad)), `${field}: ${bad}`).to.deep.equal([
          `${field}: expected a positive duration (at least 1ms), got ${JSON.stringify(bad)}`,
        ]);
      }
    }
  });

  it('refuses the three zero durations that used to reach AWS', () => {
    const problems = problemsOf({
      ...valid,
      chaos: { faultDeadline: 0, stopConditions: { pollInterval: '0s' }, poll: { experimentInterval: 0 } },
    });
    expect(problems).to.have.members([
      'chaos.faultDeadline: expected a positive duration (at least 1ms), got 0',
      'chaos.stopConditions.pollInterval: expected a positive duration (at least 1ms), got "0s"',
      'chaos.poll.experimentInterval: expected a positive duration (at least 1ms), got 0',
    ]);
  });

  it('refuses what a timer cannot wait, and says how to write an ISO 8601 duration', () => {
    expect(problemsOf(withField('rollout.bakeDuration', '30d'))).to.deep.equal([
      'rollout.bakeDuration: expected at most 24d (the longest a timer can wait), got "30d"',
    ]);
    expect(problemsOf(withField('chaos.faultDeadline', 'PT1H30M'))[0]).to.contain('write "1h30m" instead of ISO 8601');
    expect(problemsOf(withField('chaos.faultDeadline', true))[0]).to.match(/^chaos\.faultDeadline: expected a duration like "1h30m"/);
  });

  it('takes 0 only where 0 means none (probe.pause)', () => {
    expect(resolveConfig(withField('probe.pause', 0)).probe.pause).to.equal(0);
    expect(resolveConfig(withField('probe.pause', '0s')).probe.pause).to.equal(0);
    expect(resolveConfig(withField('probe.pause', '1m')).probe.pause).to.equal(60_000);
    expect(problemsOf(withField('probe.pause', '-1s'))).to.deep.equal(['probe.pause: expected a positive duration or 0, got "-1s"']);
  });

  it('an FIS action duration is written like any other and sent to FIS as ISO 8601', () => {
    const raw = withField('chaos.experiments', {
      slow: {
        region: 'us-east-1',
        roleArn: 'arn:aws:iam::123456789012:role/fis',
        actions: { wait: { actionId: 'aws:fis:wait', duration: '1m30s' } },
      },
    });
    expect(resolveConfig(raw).chaos.experiments.slow?.actions.wait?.duration).to.equal(90_000);
    expect([90_000, 300_000, 5_400_000, 500, 3_600_000].map(isoDuration)).to.deep.equal(['PT1M30S', 'PT5M', 'PT1H30M', 'PT0.5S', 'PT1H']);
  });

  it('flags read durations with the same parser and the same words', () => {
    const problems: ConfigProblem[] = [];
    expect(durationFlag(problems, '--hold', '1h30m')).to.equal(5_400_000);
    expect(durationFlag(problems, '--hold', undefined)).to.equal(undefined);
    expect(durationFlag(problems, '--hold', '0s')).to.equal(undefined);
    expect(problems).to.deep.equal([{ path: '--hold', message: 'expected a positive duration (at least 1ms), got "0s"' }]);
    expect(readDuration('1m30s')).to.deep.equal({ ms: 90_000 });
  });
});
