import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { expect } from 'chai';
import { rolloutSchema } from '../../../config/rollout-schema.ts';
import { recordServerSide, serverSideGates } from '../../../pipelines/rollout-server-side.ts';
import { waveProblems } from '../../../pipelines/waves.ts';
import { judgeRun } from '../../../validations/judge.ts';
import { motoClients } from '../../support/aws.ts';
import { useMoto } from '../../support/moto.ts';

// Like against like: the deployed region against the others on the latency their load balancers report
// (TargetResponseTime), read in each region with GetMetricData (real SDK v3, moto). The runner's distance to a region
// is not in these numbers: a region the runner reaches 1.5 times slower is no slower here.

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const MINUTE = 60_000;
const lb = (region: string) => ({ LoadBalancer: `app/shop-${region}/0` });

describe('rollout: server-side comparison with the other regions from CloudWatch (SDK against moto)', function () {
  this.timeout(60_000);
  const moto = useMoto();
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - 12 * MINUTE;
  let dir: string;

  /** Ten one-minute Average datapoints of a region's TargetResponseTime (seconds) around `seconds`, in its region. */
  async function publish(region: string, seconds: number, offset: number): Promise<void> {
    const { cloudwatch } = motoClients(moto, region);
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ApplicationELB',
        MetricData: Array.from({ length: 10 }, (_, i) => ({
          MetricName: 'TargetResponseTime',
          Dimensions: Object.entries(lb(region)).map(([Name, Value]) => ({ Name, Value })),
          Value: seconds + ((i * 7) % 5) * 0.001,
          Unit: 'Seconds',
          Timestamp: new Date(start + i * MINUTE + offset),
        })),
      }),
    );
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-server-side-'));
    await publish('us-east-1', 0.05, 1000);
    await publish('eu-west-1', 0.05, 2000);
    await publish('us-west-2', 0.08, 3000); // 60 % slower on the server: a bad version
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const rollout = rolloutSchema.parse({
    comparison: { serverSide: { periodSeconds: 60, dimensions: Object.fromEntries(REGIONS.map((r) => [r, lb(r)])), minDatapoints: 5 } },
  });
  const judge = async (region: string) => {
    const others = REGIONS.filter((r) => r !== region);
    const file = join(dir, `${region}.ndjson`);
    const clientFor = (r: string) => motoClients(moto, r).cloudwatch;
    const window = { start, end: start + 11 * MINUTE };
    const serverSide = rollout.comparison.serverSide;
    if (!serverSide) throw new Error('serverSide is configured above');
    const counts = await recordServerSide(serverSide, [region, ...others], clientFor, window, 'traffic', file);
    expect(counts, 'every region read in its own region').to.deep.equal({ 'us-east-1': 10, 'us-west-2': 10, 'eu-west-1': 10 });
    const gates = serverSideGates(rollout, region, others, 'traffic');
    return { judged: await judgeRun({ sources: [file], gates }), text: await readFile(file, 'utf8') };
  };

  it('passes a region as fast as the others on the server, fails one slower beyond the allowed shift', async () => {
    const good = await judge('eu-west-1');
    expect(good.text.split('\n')[0], 'kept as k6 points in the run folder').to.match(/^\{"metric":"server_latency","type":"Point"/);
    const goodShift = good.judged.results.find((r) => r.measure.startsWith('shift'));
    expect(goodShift?.status, goodShift?.reason).to.equal('pass');
    const bad = await judge('us-west-2');
    const badShift = bad.judged.results.find((r) => r.measure.startsWith('shift'));
    expect(badShift?.status, badShift?.reason).to.equal('fail');
    expect(bad.judged.verdict.kind).to.equal('rollback');
  });

  it('is no gate in the baseline, and needs the dimensions of every region', () => {
    expect(serverSideGates(rollout, 'us-east-1', ['us-west-2'], 'baseline')).to.deep.equal([]);
    const partial = rolloutSchema.parse({ comparison: { serverSide: { dimensions: { 'us-east-1': lb('us-east-1') } } } });
    expect(waveProblems(REGIONS, partial)).to.deep.include({
      path: 'rollout.comparison.serverSide.dimensions',
      message: "expected the metric's dimensions for every region; missing: us-west-2, eu-west-1",
    });
  });
});
