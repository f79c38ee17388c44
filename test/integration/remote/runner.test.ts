import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { resolveConfig } from '../../../config/resolve.ts';
import { k6Archive } from '../../../pipelines/distributed/k6-archive.ts';
import { serveTime } from '../../../sandbox/time-server.ts';
import { buildPlan, scenarioScript } from '../../../synthetics/k6.ts';
import { chunkKey, MANIFEST, parseManifest, type RunnerManifest } from '../../../synthetics/runner/layout.ts';
import { MOTO_CREDENTIALS } from '../../support/aws.ts';
import { spawnCli } from '../../support/child.ts';
import { crosswind } from '../../support/cli.ts';
import { useMoto } from '../../support/moto.ts';
import { startRecordingProxy } from '../../support/recording-proxy.ts';

// `crosswind runner` as a remote vantage runs it (the installed package, real k6), writing to S3 served by moto: what
// it streams while k6 runs, how it stops itself at its deadline, how it stops when ECS asks it to, and what it refuses.
const BUCKET = 'crosswind-runs';
const SKEW_MS = 2500;

describe('crosswind runner: k6 on an archive, streamed to S3 in chunks (real k6, moto)', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let s3: S3Client;
  let app: Server;
  let time: { stop(): Promise<void> };
  let timeServer = '';

  const env = () => ({
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_S3: moto.url,
  });
  const read = async (key: string) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  };
  const manifest = async (id: string): Promise<RunnerManifest | undefined> => {
    const m = parseManifest((await read(`run/runners/${id}/${MANIFEST}`).catch(() => Buffer.from('{}'))).toString());
    return typeof m === 'string' ? undefined : m;
  };
  const args = (id: string, deadline: number) => [
    'runner',
    '--archive',
    `s3://${BUCKET}/run/archives/eu.tar`,
    '--results',
    `s3://${BUCKET}/run/runners`,
    '--results-region',
    'us-east-1',
    '--vantage',
    'vantage-eu',
    '--id',
    id,
    '--part',
    '1/2',
    '--deadline',
    new Date(deadline).toISOString(),
    '--chunk-interval',
    '1s',
    '--time-server',
    timeServer,
  ];
  /** Every line of every chunk a runner wrote, in order. */
  const chunkLines = async (id: string, chunks: number) => {
    const lines: string[] = [];
    for (let n = 1; n <= chunks; n++)
      lines.push(
        ...gunzipSync(await read(chunkKey(`run/runners/${id}`, n)))
          .toString()
          .trim()
          .split('\n'),
      );
    return lines;
  };

  before(async () => {
    s3 = new S3Client({ region: 'us-east-1', endpoint: moto.url, credentials: MOTO_CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    app = createServer((_req, res) => res.writeHead(200, { 'x-served-by': 'eu-west-1' }).end('{"version":"1.0.0"}'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
    const udp = createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    // A time server 2.5 s ahead of this machine: the runner must measure exactly that.
    time = serveTime(udp, { skewMs: SKEW_MS });
    timeServer = `127.0.0.1:${udp.address().port}`;
    const config = resolveConfig({
      project: 'shop',
      aws: { accountIds: ['123456789012'] },
      regions: [
        { name: 'eu-west-1', endpoint },
        { name: 'us-east-1', endpoint },
      ],
      vantages: [{ name: 'vantage-eu', endpoint }],
      synthetics: { globalTraffic: { path: '/version' }, dns: { ttl: 0 } },
    });
    const plan = buildPlan(config, { scenario: 'global-traffic', durationMs: 60_000, ratePerSecond: 20, thresholds: {} });
    const archive = await k6Archive({ k6: process.env.CROSSWIND_K6 as string, script: scenarioScript('global-traffic'), plan });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'run/archives/eu.tar', Body: archive }));
  });
  after(async () => {
    s3?.destroy();
    app?.close();
    await time?.stop();
  });

  it('streams chunks and a heartbeat while k6 runs, measures its clock, and stops itself at its deadline', async () => {
    const started = Date.now();
    const deadline = started + 7000;
    const run = spawnCli(args('eu-1', deadline), { cwd: process.cwd(), env: env() });
    // While k6 runs, the manifest moves: a heartbeat and chunks in flight.
    const seen = new Set<number>();
    while (!run.child.exited) {
      const m = await manifest('eu-1');
      if (m?.state === 'running') seen.add(m.chunks);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const exit = await run.exited;
    expect(exit.code, run.stderr()).to.equal(0);
    expect(Date.now() - deadline, 'exited soon after its deadline, though k6 had 60 s to go').to.be.below(15_000);
    expect(seen.size, `live manifests seen with chunk counts ${[...seen].join(', ')}`).to.be.at.least(2);
    const m = (await manifest('eu-1')) as RunnerManifest;
    expect(m.state).to.equal('finished');
    expect(m.end?.reason).to.equal('deadline');
    expect(m.runner).to.deep.include({ id: 'eu-1', vantage: 'vantage-eu', segment: '0:1/2' });
    expect(m.k6.version).to.equal('v2.2.0');
    expect(m.clock.start?.offsetMs, 'the time server is 2.5 s ahead').to.be.closeTo(SKEW_MS, 50);
    expect(m.clock.start?.uncertaintyMs).to.be.below(50);
    const lines = await chunkLines('eu-1', m.chunks);
    expect(lines.length, 'the manifest counts every line of its chunks').to.equal(m.lines);
    const requests = lines.filter((l) => l.startsWith('{"metric":"request_failed"'));
    // Part 1 of 2 of 20 requests/s for about 6 s: about 60 requests, none lost between chunks.
    expect(requests.length, 'requests in the chunks').to.be.within(30, 90);
    expect(requests.every((l) => l.includes('"vantage":"vantage-eu"'))).to.equal(true);
    expect(JSON.parse((await read('run/runners/eu-1/summary.json')).toString()), "k6's summary").to.have.property('metrics');
  });

  it('stops k6 gracefully on SIGTERM (ECS StopTask) and still writes its last chunk and final manifest', async () => {
    const run = spawnCli(args('eu-2', Date.now() + 60_000), { cwd: process.cwd(), env: env() });
    for (let i = 0; i < 60 && !((await manifest('eu-2'))?.chunks ?? 0); i++) await new Promise((resolve) => setTimeout(resolve, 500));
    run.child.signal('SIGTERM');
    const exit = await run.exited;
    expect(exit.code, run.stderr()).to.equal(0);
    const m = (await manifest('eu-2')) as RunnerManifest;
    expect(m.end?.reason, run.stderr()).to.equal('stopped');
    expect(m.end?.endedAt, 'ended right after the signal, not at its deadline').to.be.below(m.deadline - 30_000);
    expect((await chunkLines('eu-2', m.chunks)).length).to.equal(m.lines);
  });

  it('refuses bad flags with exit 2, naming each, before any AWS call', async () => {
    const recorder = await startRecordingProxy(moto.url);
    try {
      const out = await crosswind(
        [
          'runner',
          '--archive',
          'https://example.com/a.tar',
          '--results',
          's3://Bad_Bucket/x',
          '--vantage',
          'eu',
          '--deadline',
          '2020-01-01T00:00:00Z',
          '--part',
          '3/2',
        ],
        { env: { ...env(), AWS_ENDPOINT_URL_S3: recorder.url } },
      );
      expect(out.code).to.equal(2);
      expect(out.stderr).to.contain('error: --results: expected s3://bucket/prefix');
      expect(out.stderr).to.contain('error: --archive: expected s3://bucket/key, got "https://example.com/a.tar"');
      expect(out.stderr).to.contain('error: --deadline: 2020-01-01T00:00:00.000Z has passed: the runner may no longer start');
      expect(out.stderr).to.contain('error: --part: expected <n>/<count> with 1 <= n <= count, got "3/2"');
      expect(recorder.calls, 'S3 calls').to.deep.equal([]);
    } finally {
      await recorder.stop();
    }
  });
});
