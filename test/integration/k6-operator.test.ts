import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { toolchain } from '../../scripts/toolchain.mjs';
import { readPoints } from '../../validations/read-points.ts';
import { crosswind } from '../support/cli.ts';
import { crdValidator } from '../support/crd-schema.ts';
import { runCommand } from '../support/run-command.ts';

interface ConfigMapDoc {
  apiVersion: string;
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string };
  data: Record<string, string>;
  binaryData: Record<string, string>;
}
interface TestRunDoc {
  apiVersion: string;
  kind: 'TestRun';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    parallelism: number;
    separate: boolean;
    cleanup?: string;
    arguments: string;
    script: { configMap: { name: string; file: string } };
    runner: {
      image: string;
      env: { name: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
      volumes: { name: string; persistentVolumeClaim: { claimName: string } }[];
      volumeMounts: { name: string; mountPath: string }[];
    };
  };
}

/** The execution segment k6-operator gives runner `index` (0-based) of `n`: equal slices of the sequence 0, 1/n, ..., 1. */
function segmentArgs(index: number, n: number): string[] {
  const at = (i: number) => (i === 0 ? '0' : i === n ? '1' : `${i}/${n}`);
  const sequence = Array.from({ length: n + 1 }, (_, i) => at(i)).join(',');
  return ['--execution-segment', `${at(index)}:${at(index + 1)}`, '--execution-segment-sequence', sequence];
}

describe('crosswind k6-operator', function () {
  this.timeout(120_000);
  let dir: string;
  let server: Server;
  let hits = 0;
  let configFile: string;
  let configMap: ConfigMapDoc;
  let testRun: TestRunDoc;
  let cliStderr: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-k6op-'));
    server = createServer((req, res) => {
      hits++;
      const region = req.url?.startsWith('/eu') ? 'eu-west-1' : 'us-east-1';
      res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': region }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    configFile = join(dir, 'crosswind.config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        project: 'Shop',
        aws: { accountIds: ['123456789012'] },
        regions: [
          { name: 'us-east-1', endpoint: `${base}/us` },
          { name: 'eu-west-1', endpoint: `${base}/eu` },
        ],
        vantages: [
          { name: 'vantage-us', endpoint: `${base}/us` },
          { name: 'vantage-eu', endpoint: `${base}/eu` },
        ],
        synthetics: { globalTraffic: { path: '/hello' } },
        distributed: {
          k6Operator: { namespace: 'load', resultsClaim: 'shop-results' },
          cloud: {
            projectID: 3456,
            distribution: {
              us: { loadZone: 'amazon:us:ashburn', percent: 60 },
              eu: { loadZone: 'amazon:ie:dublin', percent: 40 },
            },
          },
        },
      }),
    );
    const manifest = join(dir, 'testrun.yaml');
    const cli = await crosswind(
      ['k6-operator', '-c', configFile, '--parallelism', '4', '--duration', '4s', '--rate', '20', '-o', manifest],
      {
        timeoutMs: 60_000,
      },
    );
    cliStderr = cli.stderr;
    expect(cli.code, cli.stderr).to.equal(0);
    const docs = parseAllDocuments(await readFile(manifest, 'utf8')).map((d) => d.toJS() as ConfigMapDoc | TestRunDoc);
    expect(docs.map((d) => d.kind)).to.deep.equal(['ConfigMap', 'TestRun']);
    configMap = docs[0] as ConfigMapDoc;
    testRun = docs[1] as TestRunDoc;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a TestRun with parallelism N that runs the archive from its ConfigMap and writes one NDJSON per runner', () => {
    expect(testRun.apiVersion).to.equal('k6.io/v1alpha1');
    expect(testRun.metadata).to.deep.equal({
      name: 'crosswind-shop-global-traffic',
      namespace: 'load',
      labels: (testRun.metadata as { labels: unknown }).labels,
    });
    expect(configMap.apiVersion).to.equal('v1');
    expect(configMap.metadata.name).to.equal(testRun.spec.script.configMap.name);
    expect(configMap.metadata.namespace).to.equal(testRun.metadata.namespace);
    expect(testRun.spec.parallelism).to.equal(4);
    expect(testRun.spec.cleanup).to.equal('post');
    expect(testRun.spec.script.configMap.file).to.equal('archive.tar');
    expect(configMap.binaryData).to.have.property('archive.tar');
    expect(testRun.spec.arguments).to.equal('--out json=/results/$(CROSSWIND_RUNNER).ndjson');
    expect(testRun.spec.runner.env).to.deep.include({ name: 'CROSSWIND_RUNNER', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    const [volume] = testRun.spec.runner.volumes;
    expect(volume?.persistentVolumeClaim.claimName).to.equal('shop-results');
    expect(testRun.spec.runner.volumeMounts).to.deep.equal([{ name: volume?.name, mountPath: '/results' }]);
    expect(cliStderr).to.contain('crosswind gate --results');
  });

  it("is a valid TestRun by k6-operator's own CRD schema, which refuses a misspelt or mistyped field", () => {
    const valid = crdValidator(toolchain().testRunCrd, 'v1alpha1');
    expect(valid(testRun)).to.deep.equal([]);
    const broken = structuredClone(testRun) as unknown as { spec: Record<string, unknown> & { runner: Record<string, unknown> } };
    broken.spec.paralellism = 4;
    broken.spec.separate = 'yes';
    broken.spec.runner.volumeMount = [];
    expect(valid(broken)).to.have.members([
      '/spec: must NOT have additional properties (paralellism)',
      '/spec/separate: must be boolean',
      '/spec/runner: must NOT have additional properties (volumeMount)',
    ]);
  });

  it('keeps the run plan readable beside the archive, with the load-zone distribution', () => {
    const plan = JSON.parse(configMap.data['plan.json'] ?? '{}') as {
      scenario: string;
      durationMs: number;
      rate: { perSecond: number };
      cloud: unknown;
    };
    expect(plan.scenario).to.equal('global-traffic');
    expect(plan.durationMs).to.equal(4000);
    expect(plan.rate.perSecond).to.equal(20);
    expect(plan.cloud).to.deep.equal({
      projectID: 3456,
      distribution: { us: { loadZone: 'amazon:us:ashburn', percent: 60 }, eu: { loadZone: 'amazon:ie:dublin', percent: 40 } },
    });
  });

  it('archives the scenario with its imports and plan, and writes the distribution into the scenario options', async () => {
    const tar = join(dir, 'archive.tar');
    await writeFile(tar, Buffer.from(configMap.binaryData['archive.tar'] ?? '', 'base64'));
    const list = await runCommand('tar', ['tf', tar], { cwd: dir });
    expect(list.code).to.equal(0);
    for (const file of ['synthetics/scenarios/global-traffic.ts', 'synthetics/lib/load-plan.ts', 'synthetics/plan.ts', 'plan.json']) {
      expect(list.output, file).to.contain(file);
    }
    const meta = await runCommand('tar', ['xOf', tar, 'metadata.json'], { cwd: dir });
    const options = (JSON.parse(meta.output) as { options: { cloud: unknown; scenarios: Record<string, unknown> } }).options;
    expect(options.cloud).to.deep.equal(JSON.parse(configMap.data['plan.json'] ?? '{}').cloud);
    expect(Object.keys(options.scenarios)).to.have.members(['global-traffic_vantage-us', 'global-traffic_vantage-eu']);
  });

  it("runs as k6-operator's 4 runners would: each a segment of the load, together the whole of it", async () => {
    const tar = join(dir, 'runner-archive.tar');
    await writeFile(tar, Buffer.from(configMap.binaryData['archive.tar'] ?? '', 'base64'));
    hits = 0;
    const outs = [0, 1, 2, 3].map((i) => join(dir, `runner-${i}.ndjson`));
    // The same argv k6-operator builds for runner i (segment, then spec.arguments with the runner's file, the tags).
    const results = await Promise.all(
      outs.map((out, i) =>
        runCommand(
          toolchain().k6,
          [
            'run',
            '--quiet',
            ...segmentArgs(i, 4),
            '--out',
            `json=${out}`,
            tar,
            '--tag',
            `instance_id=${i}`,
            '--tag',
            `testrun_name=${testRun.metadata.name}`,
          ],
          { cwd: dir, env: { K6_NO_USAGE_REPORT: 'true' } },
        ),
      ),
    );
    for (const r of results) expect(r.code, r.output).to.equal(0);
    const perRunner: number[] = [];
    const vantages = new Set<string>();
    for (const [i, out] of outs.entries()) {
      let n = 0;
      for await (const p of readPoints(out)) {
        if (p.metric !== 'http_reqs') continue;
        n++;
        expect(p.tags.instance_id).to.equal(String(i));
        vantages.add(p.tags.vantage ?? '');
      }
      perRunner.push(n);
    }
    const total = perRunner.reduce((a, b) => a + b, 0);
    // 2 vantages x 20/s x 4 s, split across the runners; constant-arrival-rate may start one iteration more or less.
    expect(total).to.equal(hits);
    expect(total).to.be.within(150, 162);
    for (const n of perRunner) expect(n).to.be.within(total / 4 - 6, total / 4 + 6);
    expect([...vantages].sort()).to.deep.equal(['vantage-eu', 'vantage-us']);
  });

  it('refuses bad flags with exit 2, one message per problem, before reading the config', async () => {
    const r = await crosswind([
      'k6-operator',
      '-c',
      join(dir, 'missing.json'),
      '--scenario',
      'nope',
      '--parallelism',
      '0',
      '--name',
      'Bad_Name',
      '--duration',
      'soon',
    ]);
    expect(r.code).to.equal(2);
    for (const flag of ['--scenario', '--parallelism', '--name', '--duration']) expect(r.stderr).to.contain(`error: ${flag}:`);
    expect(r.stderr).to.not.contain('missing.json');
  });

  it('refuses load-zone percents that do not add up to 100, naming the field', async () => {
    const bad = join(dir, 'bad.config.json');
    const raw = JSON.parse(await readFile(configFile, 'utf8')) as { distributed: { cloud: { distribution: { eu: { percent: number } } } } };
    raw.distributed.cloud.distribution.eu.percent = 30;
    await writeFile(bad, JSON.stringify(raw));
    const r = await crosswind(['k6-operator', '-c', bad]);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('distributed.cloud.distribution: expected load-zone percents adding up to 100, found 90');
  });
});
