import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { crosswind } from '../support/cli.ts';
import { type FakeWorld, startFakeWorld } from '../support/fake-world.ts';

describe('crosswind synthetics run (the CLI as a user runs it)', function () {
  this.timeout(60_000);
  let world: FakeWorld;
  let dir: string;
  let configFile: string;

  before(async () => {
    world = await startFakeWorld({
      regions: ['us-east-1', 'eu-west-1'],
      preferences: { 'vantage-us': ['us-east-1'], 'vantage-eu': ['eu-west-1'] },
    });
    dir = await mkdtemp(join(tmpdir(), 'crosswind-cli-'));
    configFile = join(dir, 'crosswind.config.yaml');
    await writeFile(
      configFile,
      stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'] },
        regions: world.regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
        vantages: world.vantages,
      }),
    );
  });
  after(() => world.stop());

  it('runs global-traffic with live progress and leaves its files in the run folder', async () => {
    const runDir = join(dir, 'run');
    const r = await crosswind([
      'synthetics',
      'run',
      'global-traffic',
      '--config',
      configFile,
      '--duration',
      '3s',
      '--rate',
      '5',
      '--run-dir',
      runDir,
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('global-traffic: ok (k6 exit 0)');
    expect(r.stderr).to.match(/t\+\s*\ds {2}vantage-(us|eu): \d+ req, 0 failed \((us-east-1|eu-west-1) \d+\)/);
    for (const f of ['global-traffic.ndjson', 'global-traffic-summary.json', 'global-traffic.plan.json', 'global-traffic.log']) {
      expect(existsSync(join(runDir, 'k6', f)), f).to.equal(true);
    }
    const runJson = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    expect(runJson).to.include({ mode: 'synthetics', scenario: 'global-traffic', project: 'shop', result: 'ok' });
    expect(runJson.vantages).to.deep.equal(['vantage-us', 'vantage-eu']);
  });

  it('exits 1 when thresholds are crossed', async () => {
    world.region('eu-west-1').failing = true;
    try {
      const r = await crosswind([
        'synthetics',
        'run',
        'global-traffic',
        '-c',
        configFile,
        '-d',
        '2s',
        '-r',
        '5',
        '--run-dir',
        join(dir, 'run2'),
      ]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stdout)
        .to.contain('global-traffic: thresholds-failed (k6 exit 99)')
        .and.contain('crossed: http_req_failed{vantage:vantage-eu}: rate<0.01');
    } finally {
      world.region('eu-west-1').failing = false;
    }
  });

  it('exits 2 naming every bad flag, before reading the config or starting k6', async () => {
    const r = await crosswind([
      'synthetics',
      'run',
      'everything',
      '--duration',
      'soon',
      '--rate',
      '-3',
      '--config',
      join(dir, 'missing.yaml'),
    ]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('error: <scenario>: expected one of global-traffic, regional-probe, read-your-writes, session-continuity');
    expect(r.stderr).to.contain('error: --duration: expected a duration').and.contain('error: --rate: expected a positive number');
  });

  it('exits 2 for a vantage the config does not have', async () => {
    const r = await crosswind(['synthetics', 'run', 'global-traffic', '-c', configFile, '--vantage', 'vantage-mars']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('error: --vantage[0]: "vantage-mars" is not configured');
  });
});
