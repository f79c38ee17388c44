import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { verdictDocumentSchema } from '../../validations/reporters/verdict-schema.ts';
import { motoClients } from '../support/aws.ts';
import { crosswind } from '../support/cli.ts';
import { useMoto } from '../support/moto.ts';

const T0 = Date.UTC(2026, 10, 23, 4, 0, 0);

/** k6-shaped NDJSON: `n` requests per vantage, one every 100 ms, `slowMs` latency, failures where `failed(i)`. */
function k6File(n: number, options: { slowMs?: number; failed?: (i: number, vantage: string) => boolean; startMs?: number } = {}): string {
  const lines = [
    '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"}',
  ];
  for (const vantage of ['vantage-eu', 'vantage-us']) {
    for (let i = 0; i < n; i++) {
      const failed = options.failed?.(i, vantage) ?? false;
      const time = new Date((options.startMs ?? T0) + i * 100).toISOString();
      const tags = `{"expected_response":"${!failed}","method":"GET","scenario":"global-traffic","status":"${failed ? 503 : 200}","vantage":"${vantage}"}`;
      lines.push(
        `{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${(options.slowMs ?? 20) + (i % 10)},"tags":${tags}}}`,
      );
      lines.push(`{"metric":"http_req_failed","type":"Point","data":{"time":"${time}","value":${failed ? 1 : 0},"tags":${tags}}}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('crosswind gate (the CLI as a user runs it)', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-gate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('approves good output with the default gates, exit 0, and writes all three reports', async () => {
    await writeFile(join(dir, 'good.ndjson'), k6File(300));
    const out = (f: string) => join(dir, 'out', f);
    const r = await crosswind(
      [
        'gate',
        '--results',
        join(dir, 'good.ndjson'),
        '--json',
        out('verdict.json'),
        '--junit',
        out('junit.xml'),
        '--markdown',
        out('summary.md'),
      ],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('Approved');
    const doc = verdictDocumentSchema.parse(JSON.parse(await readFile(out('verdict.json'), 'utf8')));
    expect(doc).to.deep.include({ schemaVersion: 1, verdict: 'approve', exitCode: 0 });
    expect(doc.gates).to.have.length(4);
    expect(doc.input?.points).to.equal(1200);
    const junit = await readFile(out('junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).to.have.length(4);
    expect(junit).to.contain('failures="0"');
    expect(await readFile(out('summary.md'), 'utf8')).to.contain(
      '| ✅ pass | latency-p99 | p(99) http_req_duration | vantage=vantage-eu |',
    );
  });

  it('rolls back when a vantage errors, exit 1, naming the vantage', async () => {
    await writeFile(join(dir, 'bad.ndjson'), k6File(300, { failed: (i, v) => v === 'vantage-us' && i % 20 === 0 }));
    const r = await crosswind(['gate', '--results', join(dir, 'bad.ndjson'), '--junit', join(dir, 'bad.xml')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('Roll back').and.contain('rate http_req_failed [vantage=vantage-us]: 5 %');
    expect(await readFile(join(dir, 'bad.xml'), 'utf8')).to.contain('<failure message="rate http_req_failed [vantage=vantage-us]');
  });

  it('is inconclusive with too few samples, exit 4', async () => {
    await writeFile(join(dir, 'few.ndjson'), k6File(20));
    const r = await crosswind(['gate', '--results', join(dir, 'few.ndjson')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stdout).to.contain('Inconclusive').and.contain('20 samples, at least 100 needed');
  });

  it('is inconclusive, never approved, on an empty file', async () => {
    await writeFile(join(dir, 'empty.ndjson'), '');
    const r = await crosswind(['gate', '--results', join(dir, 'empty.ndjson')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(4);
  });

  it('never approves an input with a rejected line of a gated metric: exit 4, naming its file and line', async () => {
    const file = join(dir, 'rejected.ndjson');
    // One failed request written with an empty value: read as 0 it would be a success, and the run approved.
    await writeFile(
      file,
      k6File(300).replace(
        /"value":0,("tags":\{"expected_response":"true","method":"GET","scenario":"global-traffic","status":"200","vantage":"vantage-us"\})/,
        '"value":,$1',
      ),
    );
    const r = await crosswind(['gate', '--results', file, '--json', join(dir, 'rejected.json')], { cwd: dir });
    expect(r.code, r.stderr).to.equal(4);
    expect(r.stderr).to.contain(`gate: rejected ${file}:603 (http_req_failed): not valid JSON`);
    expect(r.stdout).to.contain('Inconclusive').and.contain(`1 line of k6 output rejected, first at ${file}:603`);
    const doc = verdictDocumentSchema.parse(JSON.parse(await readFile(join(dir, 'rejected.json'), 'utf8')));
    expect(doc.input?.rejected?.lines).to.equal(1);
    expect(doc.input?.rejected?.first[0]).to.deep.include({ at: `${file}:603`, metric: 'http_req_failed' });
  });

  it('refuses one run’s output given twice, by name or as a copy: exit 2 naming both files', async () => {
    await writeFile(join(dir, 'once.ndjson'), k6File(60));
    await writeFile(join(dir, 'copy.ndjson'), k6File(60));
    for (const second of ['once.ndjson', 'copy.ndjson']) {
      const r = await crosswind(['gate', '--results', join(dir, 'once.ndjson'), join(dir, second)], { cwd: dir });
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.contain(`${join(dir, 'once.ndjson')} and ${join(dir, second)} are one k6 run's output read twice`);
    }
  });

  it('merges several runners’ files and takes gates from the config', async () => {
    await writeFile(join(dir, 'a.ndjson'), k6File(60, { slowMs: 400 }));
    await writeFile(join(dir, 'b.ndjson.gz'), (await import('node:zlib')).gzipSync(k6File(60, { slowMs: 400, startMs: T0 + 5 })));
    const config = {
      project: 'shop',
      aws: { accountIds: ['123456789012'] },
      regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],
      globalEndpoint: 'http://127.0.0.1:1',
      gates: { checks: [{ kind: 'latency', percentile: 95, bound: 300, groupBy: [], minSamples: 200 }] },
    };
    await writeFile(join(dir, 'gates.json'), JSON.stringify(config));
    const r = await crosswind(['gate', '--results', join(dir, 'a.ndjson'), join(dir, 'b.ndjson.gz'), '--config', join(dir, 'gates.json')], {
      cwd: dir,
    });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('p(95) http_req_duration [all]').and.contain('240 samples');
  });

  it('judges a run folder with its fault ledger and health, writing the reports into it', async () => {
    const run = join(dir, 'run');
    await mkdir(join(run, 'k6'), { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < 600; i++) {
      const t = new Date(T0 + i * 100).toISOString();
      const failed = i >= 300 && i < 320;
      const servedBy = failed ? 'unknown' : i >= 300 && i < 500 ? 'us-west-2' : 'us-east-1';
      const tags = `{"served_by":"${servedBy}","status":"${failed ? 0 : 200}","vantage":"vantage-us"}`;
      lines.push(`{"metric":"request_failed","type":"Point","data":{"time":"${t}","value":${failed ? 1 : 0},"tags":${tags}}}`);
    }
    await writeFile(join(run, 'k6', 'vantage-us.ndjson'), `${lines.join('\n')}\n`);
    const fault = { kind: 'invert-health-check', region: 'us-east-1', resources: { healthCheckId: 'hc-1' } };
    const ledger = [
      {
        kind: 'intent',
        id: 'f1',
        at: new Date(T0 + 29_900).toISOString(),
        fault,
        prior: { inverted: false },
        deadline: new Date(T0 + 600_000).toISOString(),
      },
      { kind: 'applied', id: 'f1', at: new Date(T0 + 30_000).toISOString() },
      { kind: 'undone', id: 'f1', at: new Date(T0 + 50_000).toISOString(), reason: 'run finished' },
    ];
    await writeFile(join(run, 'ledger.jsonl'), `${ledger.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const health = [0, 10, 20, 31, 32, 52, 55].map((s) => ({
      time: T0 + s * 1000,
      region: 'us-east-1',
      healthy: s < 31 || s >= 52,
      source: 'sandbox',
    }));
    await writeFile(join(run, 'health.jsonl'), `${health.map((h) => JSON.stringify(h)).join('\n')}\n`);
    await writeFile(
      join(dir, 'failover.yaml'),
      [
        'project: shop',
        'aws: { accountIds: ["123456789012"] }',
        'regions: [{ name: us-east-1, endpoint: "http://127.0.0.1:1" }]',
        'globalEndpoint: "http://127.0.0.1:1"',
        'gates:',
        '  checks: []',
        '  failover: { successWindowSeconds: 2, transitionErrorRate: 1, minSamples: 5 }',
      ].join('\n'),
    );
    const r = await crosswind(['gate', '--run', run, '--config', join(dir, 'failover.yaml')], { cwd: dir });
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    const doc = verdictDocumentSchema.parse(JSON.parse(await readFile(join(run, 'verdict.json'), 'utf8')));
    const timeline = doc.failover?.[0];
    expect(timeline?.detectionSeconds).to.equal(1);
    expect(timeline?.vantages[0]).to.deep.include({ vantage: 'vantage-us', failoverSeconds: 2, rebalanceSeconds: 0 });
    expect(timeline?.vantages[0]?.transition).to.deep.equal({ requests: 20, failed: 20, rate: 1 });
    expect(await readFile(join(run, 'junit.xml'), 'utf8')).to.contain(
      'client-seen failover time [fault=f1,region=us-east-1,vantage=vantage-us]',
    );
    expect(await readFile(join(run, 'summary.md'), 'utf8')).to.contain('detection time');
  });

  it('judges a run folder with the gates the run recorded, not a failover gate for its empty ledger', async () => {
    const run = join(dir, 'wave-run');
    await mkdir(join(run, 'k6'), { recursive: true });
    await writeFile(join(run, 'k6', 'wave-us-east-1-traffic-1.ndjson'), k6File(300));
    await writeFile(join(run, 'ledger.jsonl'), '');
    const gates = [{ kind: 'error-rate', metric: 'http_req_failed', bound: 0.05, minSamples: 100 }];
    await writeFile(
      join(run, 'gates.json'),
      JSON.stringify({ version: 1, judgements: [{ label: 'us-east-1 traffic', sources: ['k6/wave-us-east-1-traffic-1.ndjson'], gates }] }),
    );
    const r = await crosswind(['gate', '--run', run], { cwd: dir });
    expect(r.code, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.stderr).to.contain('the gates the run recorded (gates.json)');
    const verdict = JSON.parse(await readFile(join(run, 'verdict.json'), 'utf8')) as { gates: { gate: string; kind: string }[] };
    expect(new Set(verdict.gates.map((g) => g.kind)), 'gate kinds judged').to.deep.equal(new Set(['error-rate']));
    expect(verdict.gates[0]?.gate).to.match(/^us-east-1 traffic: /);

    const refused = await crosswind(['gate', '--run', run, '--candidate', 'us-east-1'], { cwd: dir });
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(/^error: --candidate: .*gates\.json records the gates this run was judged with/m);
  });

  it('compares a candidate region against a baseline with --candidate and --baseline', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 300; i++) {
      for (const [region, ms] of [
        ['us-east-1', 90],
        ['us-west-2', 50],
        ['eu-west-1', 51],
      ] as const) {
        const t = new Date(T0 + i * 100).toISOString();
        lines.push(
          `{"metric":"http_req_duration","type":"Point","data":{"time":"${t}","value":${ms + (i % 7)},"tags":{"target_region":"${region}"}}}`,
        );
      }
    }
    await writeFile(join(dir, 'regions.ndjson'), `${lines.join('\n')}\n`);
    await writeFile(
      join(dir, 'none.json'),
      JSON.stringify({
        project: 'shop',
        aws: { accountIds: ['123456789012'] },
        regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],
        globalEndpoint: 'http://127.0.0.1:1',
        gates: { checks: [] },
      }),
    );
    const args = ['gate', '--results', join(dir, 'regions.ndjson'), '--config', join(dir, 'none.json')];
    const slow = await crosswind([...args, '--candidate', 'us-east-1', '--baseline', 'us-west-2', 'eu-west-1'], { cwd: dir });
    expect(slow.code, slow.stderr).to.equal(1);
    expect(slow.stdout).to.contain('slower beyond the allowed shift');
    const fine = await crosswind([...args, '--candidate', 'us-west-2', '--baseline', 'eu-west-1'], { cwd: dir });
    expect(fine.code, fine.stdout).to.equal(0);
    const bad = await crosswind([...args, '--baseline', 'eu-west-1'], { cwd: dir });
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--baseline: only with --candidate');
  });

  it('exits 2 naming every bad flag, before reading anything', async () => {
    const r = await crosswind(
      ['gate', '--results', join(dir, 'nope.ndjson'), join(dir, 'nope2.ndjson'), '--faults', join(dir, 'no-ledger.jsonl')],
      { cwd: dir },
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('--results: no such file').and.contain('nope2.ndjson').and.contain('--faults: no such file');
    const none = await crosswind(['gate'], { cwd: dir });
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('--results: required');
    const unknown = await crosswind(['gate', '--bogus'], { cwd: dir });
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain("unknown option '--bogus'");
  });
});

describe('crosswind gate with a CloudWatch gate (moto)', function () {
  this.timeout(90_000);
  const moto = useMoto();
  let dir: string;
  const minute = 60_000;
  // Five minutes before the block runs, not before the suite loads it: the gate's look-back is counted from now.
  let start: number;

  before(async () => {
    start = Math.floor(Date.now() / minute) * minute - 5 * minute;
    dir = await mkdtemp(join(tmpdir(), 'crosswind-gate-cw-'));
    await motoClients(moto).cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/DynamoDB',
        MetricData: [400, 900, 650].map((v, i) => ({
          MetricName: 'ReplicationLatency',
          Dimensions: [
            { Name: 'TableName', Value: 'items' },
            { Name: 'ReceivingRegion', Value: 'eu-west-1' },
          ],
          Value: v,
          Unit: 'Milliseconds',
          Timestamp: new Date(start + i * minute + 1000),
        })),
      }),
    );
    // k6 points spanning the datapoints, so the gate reads CloudWatch over the run's window.
    const t = (ms: number) => new Date(ms).toISOString();
    await writeFile(
      join(dir, 'run.ndjson'),
      `{"metric":"http_reqs","type":"Point","data":{"time":"${t(start)}","value":1,"tags":{}}}\n{"metric":"http_reqs","type":"Point","data":{"time":"${t(start + 4 * minute)}","value":1,"tags":{}}}\n`,
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function configWith(bound: number): Promise<string> {
    const file = join(dir, `cw-${bound}.json`);
    const config = {
      project: 'shop',
      // A literal: the SDK marks credential objects it has used (`$source`), which the config schema rejects.
      aws: {
        accountIds: ['123456789012'],
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        endpoints: { cloudwatch: moto.url },
      },
      regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],
      globalEndpoint: 'http://127.0.0.1:1',
      gates: {
        checks: [
          {
            kind: 'cloudwatch',
            namespace: 'AWS/DynamoDB',
            metricName: 'ReplicationLatency',
            dimensions: { TableName: 'items', ReceivingRegion: 'eu-west-1' },
            stat: 'Maximum',
            reduce: 'max',
            bound,
            minDatapoints: 3,
          },
        ],
      },
    };
    await writeFile(file, JSON.stringify(config));
    return file;
  }

  it('reads the metric through the configured endpoint and judges it: exit 0 within the bound, 1 beyond', async () => {
    const ok = await crosswind(['gate', '--results', join(dir, 'run.ndjson'), '--config', await configWith(1000)], { cwd: dir });
    expect(ok.code, `stdout: ${ok.stdout}\nstderr: ${ok.stderr}`).to.equal(0);
    expect(ok.stdout).to.contain('max of Maximum AWS/DynamoDB ReplicationLatency').and.contain('| 900 |');
    const bad = await crosswind(['gate', '--results', join(dir, 'run.ndjson'), '--config', await configWith(800)], { cwd: dir });
    expect(bad.code, bad.stderr).to.equal(1);
  });
});
