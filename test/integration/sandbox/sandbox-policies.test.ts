import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateExperimentTemplateCommand,
  DeleteExperimentTemplateCommand,
  FisClient,
  GetExperimentCommand,
  StartExperimentCommand,
} from '@aws-sdk/client-fis';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
  TestDNSAnswerCommand,
} from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { clearFault, setFault } from '../../../sandbox/region-app/admin-client.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { pointGlobalName, sandboxRoute53 } from '../../support/aws.ts';
import { until as pollUntil } from '../../support/until.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };

const until = (what: string, check: () => Promise<boolean>, deadlineMs: number) => pollUntil(what, check, deadlineMs, 25);

describe('sandbox: weighted and failover records, FIS durations', function () {
  this.timeout(60_000);
  let sandbox: SandboxHandle;
  let route53: Route53Client;

  before(async () => {
    const dir = join(tmpdir(), `crosswind-sandbox-policies-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({ stateFile: join(dir, 'state.json'), timing: TIMING, fisPollMs: 100 });
    const { aws } = sandbox.state;
    route53 = sandboxRoute53(aws);
  });
  after(async () => {
    route53?.destroy();
    await sandbox?.stop();
  });

  const servedBy = async (endpoint: string) => {
    const res = await fetch(`${endpoint}/version`);
    await res.arrayBuffer();
    return res.headers.get('x-served-by');
  };
  const everyVantageOn = async (region: string) => {
    for (const v of sandbox.state.vantages) if ((await servedBy(v.endpoint)) !== region) return false;
    return true;
  };
  const pointGlobalNameAt = (target: string) => pointGlobalName(route53, sandbox.state, target, 1);

  it('follows weights changed through the SDK (weight 0 drains a region)', async () => {
    const names = sandbox.state.route53;
    const { hostedZoneId } = names;
    const listed = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }));
    const weighted = (listed.ResourceRecordSets ?? []).filter((r) => r.Name === `${names.weightedRecordName}.` && r.Weight !== undefined);
    expect(weighted).to.have.length(3);
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: {
          Changes: weighted.map((r) => ({
            Action: 'UPSERT' as const,
            ResourceRecordSet: { ...r, Weight: r.SetIdentifier === 'eu-west-1' ? 100 : 0 },
          })),
        },
      }),
    );
    await pointGlobalNameAt(names.weightedRecordName);
    await until('every vantage on eu-west-1 (the only weighted record with weight)', () => everyVantageOn('eu-west-1'), 10_000);
    const answer = await route53.send(
      new TestDNSAnswerCommand({ HostedZoneId: hostedZoneId, RecordName: names.recordName, RecordType: 'CNAME' }),
    );
    expect(answer.RecordData).to.deep.equal([names.weightedRecordName, sandbox.state.regions.find((r) => r.name === 'eu-west-1')?.target]);
  });

  it('fails over from the primary to the secondary when the primary is unhealthy', async () => {
    const primary = sandbox.state.regions[0];
    const secondary = sandbox.state.regions[1];
    if (!primary || !secondary) throw new Error('expected two regions');
    await pointGlobalNameAt(sandbox.state.route53.failoverRecordName);
    await until(`every vantage on the primary ${primary.name}`, () => everyVantageOn(primary.name), 10_000);
    await setFault(primary.adminUrl, 'test', { dependenciesDown: ['database'] });
    try {
      await until(`every vantage on the secondary ${secondary.name}`, () => everyVantageOn(secondary.name), 10_000);
    } finally {
      await clearFault(primary.adminUrl, 'test');
    }
    await until(`every vantage back on the primary ${primary.name}`, () => everyVantageOn(primary.name), 10_000);
    await pointGlobalNameAt(sandbox.state.route53.latencyRecordName);
  });

  it('runs actions for their ISO 8601 durations, in startAfter order, without a StopExperiment', async () => {
    const eu = sandbox.state.regions.find((r) => r.name === 'eu-west-1');
    if (!eu) throw new Error('no eu-west-1');
    const { aws } = sandbox.state;
    const fis = new FisClient({ region: 'eu-west-1', endpoint: aws.endpoints.fis, credentials: { ...aws.credentials }, maxAttempts: 2 });
    try {
      const template = await fis.send(
        new CreateExperimentTemplateCommand({
          description: 'latency, then errors',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          targets: { app: { resourceType: 'aws:ecs:task', resourceArns: [eu.arn], selectionMode: 'ALL' } },
          actions: {
            slow: {
              actionId: 'aws:ecs:task-network-latency',
              parameters: { duration: 'PT1S', delayMilliseconds: '300' },
              targets: { Tasks: 'app' },
            },
            errors: {
              actionId: 'aws:fis:inject-api-internal-error',
              parameters: { duration: 'PT1S', percentage: '100', service: 'ec2', operations: 'DescribeInstances' },
              targets: { Roles: 'app' },
              startAfter: ['slow'],
            },
          },
        }),
      );
      const started = Date.now();
      const experiment = await fis.send(new StartExperimentCommand({ experimentTemplateId: template.experimentTemplate?.id }));
      const timed = async () => {
        const t0 = Date.now();
        const res = await fetch(`${eu.endpoint}/api/items/x`);
        await res.arrayBuffer();
        return { ms: Date.now() - t0, status: res.status };
      };
      await until('added latency', async () => (await timed()).ms >= 280, 3000);
      await until('injected errors after the latency ends', async () => (await timed()).status === 500, 4000);
      await until(
        'healed after both durations',
        async () => {
          const r = await timed();
          return r.status === 404 && r.ms < 200;
        },
        4000,
      );
      expect(Date.now() - started).to.be.at.least(1900);
      const entries = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8')).filter(
        (e) => e.kind === 'fis-action' && e.experimentId === experiment.experiment?.id,
      );
      const steps = entries.map((e) => (e.kind === 'fis-action' ? `${e.phase}:${e.action}` : ''));
      expect(steps).to.deep.equal(['start:slow', 'stop:slow', 'start:errors', 'stop:errors']);
      const [s0, s1, , s3] = entries.map((e) => e.time);
      expect((s1 ?? 0) - (s0 ?? 0)).to.be.within(900, 1600);
      expect((s3 ?? 0) - (s0 ?? 0)).to.be.within(1900, 3200);
    } finally {
      fis.destroy();
    }
  });

  it("ignores moto's GetExperiment shortcut to completed, reporting the action running as FIS would; deleting the template of such an experiment heals it", async () => {
    const west = sandbox.state.regions.find((r) => r.name === 'us-west-2');
    if (!west) throw new Error('no us-west-2');
    const { aws } = sandbox.state;
    const fis = new FisClient({ region: 'us-west-2', endpoint: aws.endpoints.fis, credentials: { ...aws.credentials }, maxAttempts: 2 });
    const health = async () => {
      const res = await fetch(`${west.endpoint}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      await res?.arrayBuffer();
      return res?.status ?? 0;
    };
    try {
      const template = await fis.send(
        new CreateExperimentTemplateCommand({
          description: 'stop the task, no duration',
          roleArn: 'arn:aws:iam::123456789012:role/fis',
          stopConditions: [{ source: 'none' }],
          targets: { app: { resourceType: 'aws:ecs:task', resourceArns: [west.arn], selectionMode: 'ALL' } },
          actions: { stop: { actionId: 'aws:ecs:stop-task', targets: { Tasks: 'app' } } },
        }),
      );
      const templateId = template.experimentTemplate?.id ?? '';
      const experiment = await fis.send(new StartExperimentCommand({ experimentTemplateId: templateId }));
      const id = experiment.experiment?.id ?? '';
      await until('us-west-2 stopped', async () => (await health()) === 0, 5000);
      let read = await fis.send(new GetExperimentCommand({ id }));
      for (let i = 0; i < 4; i++) read = await fis.send(new GetExperimentCommand({ id }));
      // moto itself calls it completed after a few reads; the sandbox API answers as FIS does: the action still runs.
      const direct = new FisClient({
        region: 'us-west-2',
        endpoint: sandbox.state.moto.url,
        credentials: { ...aws.credentials },
        maxAttempts: 2,
      });
      expect((await direct.send(new GetExperimentCommand({ id }))).experiment?.state?.status, "moto's shortcut").to.equal('completed');
      direct.destroy();
      expect(read.experiment?.state?.status, 'through the sandbox API').to.equal('running');
      expect(read.experiment?.actions?.stop?.state?.status).to.equal('running');
      expect(read.experiment?.actions?.stop?.startTime, 'when the executor stopped the task').to.be.instanceOf(Date);
      await sleep(500);
      expect(await health(), 'still stopped: moto completing the experiment is not the action ending').to.equal(0);
      await fis.send(new DeleteExperimentTemplateCommand({ id: templateId }));
      await until('us-west-2 healed', async () => (await health()) === 200, 5000);
    } finally {
      fis.destroy();
    }
  });
});
