import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateExperimentTemplateCommand, FisClient, StartExperimentCommand, StopExperimentCommand } from '@aws-sdk/client-fis';
import { GetHealthCheckStatusCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { parseGroundTruth } from '../../../sandbox/ground-truth.ts';
import { clearFault, setFault } from '../../../sandbox/region-app/admin-client.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { sandboxRoute53 } from '../../support/aws.ts';
import { until as pollUntil } from '../../support/until.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };

const until = (what: string, check: () => Promise<boolean>, deadlineMs: number) => pollUntil(what, check, deadlineMs, 25);

// Every request here has a timeout, as a client's would: a request the edge sends to a region that drops traffic
// hangs until the edge gives up (30 s), and one such request must not outlast the wait it is part of.
async function answer(url: string): Promise<{ status: number; servedBy: string | null }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return { status: res.status, servedBy: res.headers.get('x-served-by') };
  } catch {
    return { status: 0, servedBy: null };
  }
}

async function status(url: string): Promise<number> {
  return (await answer(url)).status;
}

describe('sandbox: FIS effects and replication', function () {
  this.timeout(60_000);
  let sandbox: SandboxHandle;

  before(async () => {
    const dir = join(tmpdir(), `crosswind-sandbox-fis-${process.pid}-${Date.now()}`);
    sandbox = await startSandbox({ stateFile: join(dir, 'state.json'), timing: TIMING, fisPollMs: 100 });
  });
  after(async () => {
    await sandbox?.stop();
  });

  const region = (name: string) => {
    const r = sandbox.state.regions.find((x) => x.name === name);
    if (!r) throw new Error(`no region ${name}`);
    return r;
  };

  const cases = [
    { actionId: 'aws:ecs:stop-task', endpointKind: 'the sandbox API', failure: /^Failure: Connection refused/ },
    { actionId: 'aws:ecs:stop-task', endpointKind: 'moto directly', failure: /^Failure: Connection refused/ },
    { actionId: 'aws:network:disrupt-connectivity', endpointKind: 'the sandbox API', failure: /^Failure: Timed out/ },
  ] as const;
  for (const { actionId, endpointKind, failure } of cases) {
    it(`${actionId} on us-west-2 through ${endpointKind}: health fails, the edge routes away, GetHealthCheckStatus says unhealthy; StopExperiment heals`, async () => {
      const { aws } = sandbox.state;
      const usw2 = region('us-west-2');
      const fis = new FisClient({
        region: 'us-west-2',
        endpoint: endpointKind === 'moto directly' ? sandbox.state.moto.url : aws.endpoints.fis,
        credentials: { ...aws.credentials },
        maxAttempts: 2,
      });
      const route53 = sandboxRoute53(aws);
      const westVantage = sandbox.state.vantages.find((v) => v.nearestRegion === 'us-west-2');
      // Set once started, cleared once stopped: a case that fails midway still stops its experiment, so the cases
      // after it start from a healthy us-west-2.
      let running: string | undefined;
      try {
        const started = await fis.send(new StartExperimentCommand({ experimentTemplateId: usw2.experimentTemplates[actionId] }));
        const id = started.experiment?.id ?? '';
        running = id;
        await until('us-west-2 /health to fail', async () => (await status(`${usw2.endpoint}/health`)) === 0, 5000);
        await until(
          'the us-west vantage to be served elsewhere',
          async () => {
            // The edge may still route a request to us-west-2 until its health check and the answer's TTL catch up.
            const res = await answer(`${westVantage?.endpoint}/health`);
            return res.status === 200 && res.servedBy !== 'us-west-2';
          },
          10_000,
        );
        const hc = await route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: usw2.healthCheckId }));
        expect(hc.HealthCheckObservations?.[0]?.StatusReport?.Status).to.match(failure);

        await fis.send(new StopExperimentCommand({ id }));
        running = undefined;
        await until('us-west-2 /health to answer 200', async () => (await status(`${usw2.endpoint}/health`)) === 200, 5000);
        await until(
          'the us-west vantage back on us-west-2',
          async () => (await answer(`${westVantage?.endpoint}/health`)).servedBy === 'us-west-2',
          10_000,
        );
        const entries = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8')).filter(
          (e) => e.kind === 'fis-action' && e.experimentId === id,
        );
        expect(entries.map((e) => (e.kind === 'fis-action' ? `${e.phase}:${e.actionId}:${e.region}` : ''))).to.deep.equal([
          `start:${actionId}:us-west-2`,
          `stop:${actionId}:us-west-2`,
        ]);
      } finally {
        if (running) await fis.send(new StopExperimentCommand({ id: running })).catch(() => undefined);
        fis.destroy();
        route53.destroy();
      }
    });
  }

  it('a template targeting tasks by tag stops only the region apps carrying every tag, for its duration', async () => {
    const { aws } = sandbox.state;
    const euw1 = region('eu-west-1');
    expect(euw1.tags).to.include({ 'crosswind:region': 'eu-west-1' });
    const fis = new FisClient({ region: 'eu-west-1', endpoint: aws.endpoints.fis, credentials: { ...aws.credentials }, maxAttempts: 2 });
    try {
      const template = await fis.send(
        new CreateExperimentTemplateCommand({
          clientToken: `tags-${Date.now()}`,
          description: 'stop the eu-west-1 app, found by its tags',
          roleArn: `arn:aws:iam::${aws.accountId}:role/crosswind-sandbox-fis`,
          stopConditions: [{ source: 'none' }],
          targets: { app: { resourceType: 'aws:ecs:task', resourceTags: { ...euw1.tags }, selectionMode: 'ALL' } },
          actions: { stop: { actionId: 'aws:ecs:stop-task', parameters: { duration: 'PT1S' }, targets: { Tasks: 'app' } } },
        }),
      );
      const started = await fis.send(new StartExperimentCommand({ experimentTemplateId: template.experimentTemplate?.id }));
      const id = started.experiment?.id ?? '';
      await until('eu-west-1 /health to fail', async () => (await status(`${euw1.endpoint}/health`)) === 0, 5000);
      for (const other of ['us-east-1', 'us-west-2']) expect(await status(`${region(other).endpoint}/health`), other).to.equal(200);
      await until(
        'eu-west-1 /health to answer 200 once the duration is over',
        async () => (await status(`${euw1.endpoint}/health`)) === 200,
        5000,
      );
      const entries = parseGroundTruth(await readFile(sandbox.state.groundTruthLog, 'utf8')).filter(
        (e) => e.kind === 'fis-action' && e.experimentId === id,
      );
      expect(entries.map((e) => (e.kind === 'fis-action' ? `${e.phase}:${e.region}` : ''))).to.deep.equal([
        'start:eu-west-1',
        'stop:eu-west-1',
      ]);
    } finally {
      fis.destroy();
    }
  });

  it('replicates an item written in us-east-1 to eu-west-1 after about the lag; paused replication holds it until resumed', async () => {
    const use1 = region('us-east-1');
    const euw1 = region('eu-west-1');
    const id = `item-${Date.now()}`;
    const put = await fetch(`${use1.endpoint}/api/items/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: { n: 1 } }),
    });
    const written = (await put.json()) as { version: number; updatedAt: number };
    expect(put.status).to.equal(200);
    expect(written.version).to.equal(1);
    const read = async () => {
      const res = await fetch(`${euw1.endpoint}/api/items/${id}`);
      return { status: res.status, body: (await res.json()) as { value?: { n: number }; version?: number } };
    };
    expect((await read()).status, 'not there before the lag').to.equal(404);
    const lag = await until('the item in eu-west-1', async () => (await read()).status === 200, 5000);
    expect(lag).to.be.at.least(TIMING.replicationLagMs - 100);
    expect((await read()).body.value).to.deep.equal({ n: 1 });

    await setFault(use1.adminUrl, 'test-pause', { replicationPaused: true });
    try {
      await fetch(`${use1.endpoint}/api/items/${id}`, { method: 'PUT', body: JSON.stringify({ value: { n: 2 } }) }).then((r) =>
        r.arrayBuffer(),
      );
      await sleep(TIMING.replicationLagMs * 4);
      expect((await read()).body.value, 'held while paused').to.deep.equal({ n: 1 });
    } finally {
      await clearFault(use1.adminUrl, 'test-pause');
    }
    await until('the second write in eu-west-1 after resume', async () => (await read()).body.value?.n === 2, 5000);
  });

  it('converges concurrent writes last-writer-wins and shares sessions across regions', async () => {
    const [a, b] = [region('us-east-1'), region('eu-west-1')];
    const id = `lww-${Date.now()}`;
    await fetch(`${a.endpoint}/api/items/${id}`, { method: 'PUT', body: JSON.stringify({ value: 'a' }) }).then((r) => r.arrayBuffer());
    await sleep(5);
    await fetch(`${b.endpoint}/api/items/${id}`, { method: 'PUT', body: JSON.stringify({ value: 'b' }) }).then((r) => r.arrayBuffer());
    const value = async (r: typeof a) => ((await (await fetch(`${r.endpoint}/api/items/${id}`)).json()) as { value: string }).value;
    await until('both regions to agree on the later write', async () => (await value(a)) === 'b' && (await value(b)) === 'b', 5000);

    const created = await fetch(`${a.endpoint}/api/sessions`, { method: 'POST', body: JSON.stringify({ user: 'ada' }) });
    expect(created.status).to.equal(201);
    const session = (await created.json()) as { id: string };
    await until(
      'the session valid in eu-west-1',
      async () => (await fetch(`${b.endpoint}/api/sessions/${session.id}`).then((r) => r.status)) === 200,
      5000,
    );
  });
});
