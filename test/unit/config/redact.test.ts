import { expect } from 'chai';
import { isSecretPath, looksSecret, REDACTED, redactText, secretValues } from '../../../config/redact.ts';
import { problemsOf } from '../../support/config-problems.ts';

// Fake credentials shaped like AWS's (AWS's own documentation examples, altered).
const KEY_ID = 'AKIAIOSFODNN7EXAMPL3';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEK3Y';
const TOKEN = `IQoJb3JpZ2luX2VjEFAaCXVzLWVhc3QtMSJHMEUCIQD${'x7Yz'.repeat(40)}==`;

const valid = {
  project: 'shop',
  aws: { accountIds: ['123456789012'] },
  regions: [{ name: 'us-east-1', endpoint: 'https://use1.example.com' }],
  globalEndpoint: 'https://api.example.com',
};

describe('no secret in any output', () => {
  it('a config problem never shows credentials: not a key id, not a character of the secret', () => {
    const problems = problemsOf({ ...valid, aws: { ...valid.aws, credentials: `${KEY_ID}:${SECRET}` } }).join('\n');
    expect(problems).to.equal('aws.credentials: expected object, got a string (not shown: it may be a secret)');
    const nested = problemsOf({ ...valid, aws: { ...valid.aws, credentials: { accessKeyId: 7, secretAccessKey: 12345678901 } } });
    expect(nested.join('\n')).not.to.contain('12345678901');
  });

  it('nor a value shaped like a credential in any other field', () => {
    const problems = problemsOf({
      ...valid,
      regions: [{ name: KEY_ID, endpoint: 'https://use1.example.com' }],
      globalEndpoint: SECRET,
      vantages: [{ name: 'v', endpoint: TOKEN }],
    });
    expect(problems).to.have.members([
      'regions[0].name: expected an AWS region name like "us-east-1", got a string (not shown: it may be a secret)',
      'globalEndpoint: expected an http(s) URL, got a string (not shown: it may be a secret)',
      'vantages[0].endpoint: expected an http(s) URL, got a string (not shown: it may be a secret)',
    ]);
  });

  it('masks known secrets and anything shaped like an access key id, secret key or session token', () => {
    const known = new Set(['hunter2-but-longer']);
    const text = `Credential=${KEY_ID}/20261130/us-east-1/sts/aws4_request secret ${SECRET} token ${TOKEN} pw=hunter2-but-longer`;
    const out = redactText(text, known);
    expect(out).to.equal(`Credential=${REDACTED}/20261130/us-east-1/sts/aws4_request secret ${REDACTED} token ${REDACTED} pw=${REDACTED}`);
    for (const s of [KEY_ID, SECRET, TOKEN, 'hunter2-but-longer', SECRET.slice(0, 20), TOKEN.slice(0, 40)]) expect(out).not.to.contain(s);
  });

  it('leaves ordinary output alone: paths, ids, hashes, times, URLs', () => {
    const text = [
      '/work/wt/input/.crosswind/runs/20261130-083100-gameday/k6/global-traffic.ndjson',
      'health check 1b83e64b-5c8e-4b2a-9d0f-2a7c1e3b4d5f (us-east-1)',
      'commit 7f8af8f1e2d3c4b5a6978877665544332211aabb',
      'arn:aws:iam::123456789012:role/crosswind-sandbox-fis EXT1a2b3c4d5e6f7',
      '2026-11-30T08:31:00.000Z https://api.example.com/health?x=1',
    ].join('\n');
    expect(redactText(text, new Set())).to.equal(text);
  });

  it('knows secret fields by name, and collects their values from a config', () => {
    expect(isSecretPath(['aws', 'credentials', 'accessKeyId']), 'a credential field').to.equal(true);
    expect(isSecretPath(['aws', 'profile']), 'a profile name is no secret').to.equal(false);
    expect(
      [KEY_ID, SECRET, TOKEN].filter((s) => !looksSecret(s)),
      'credentials not taken for secrets',
    ).to.deep.equal([]);
    expect(looksSecret('us-east-1'), 'a region name is no secret').to.equal(false);
    expect(
      secretValues({ aws: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, profile: 'p' }, x: [{ apiToken: 'c' }] }),
    ).to.deep.equal(['a', 'b', 'c']);
  });
});
