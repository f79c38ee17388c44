import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { expect } from 'chai';
import { failoverGateSchema } from '../../../config/gates-schema.ts';
import { mergeConfigLayer } from '../../../config/layer.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import type { FaultEvent } from '../../../core/ledger-entry.ts';
import { type SandboxHandle, startSandbox } from '../../../sandbox/sandbox.ts';
import { configFromSandboxState } from '../../../sandbox/sandbox-config.ts';
import { buildPlan, startK6Run } from '../../../synthetics/k6.ts';
import { failoverTimeline, requestsByVantage } from '../../../validations/failover-timeline.ts';
import { failoverOptions } from '../../../validations/gates/failover.ts';
import {
  checkAgainstGroundTruth,
  type GroundTruthLine,
  healthFromGroundTruth,
  routesFromGroundTruth,
} from '../../../validations/ground-truth-check.ts';
import { judgeRun } from '../../../validations/judge.ts';
import { sandboxRoute53 } from '../../support/aws.ts';

const TIMING = { healthIntervalMs: 300, failureThreshold: 2, healthTimeoutMs: 250, dnsTtlMs: 500, replicationLagMs: 300 };

// The whole chain on the sandbox: the synthetics' global-traffic scenario on the real k6 through every vantage,
// us-east-1's health check inverted through the SDK, and crosswind's client-seen failover held against the edge's
// ground-truth log of when it really rerouted each vantage.
describe('client-seen failover against the sandbox ground truth (real k6, sandbox)', function () {
  this.timeout(120_000);
  let sandbox: SandboxHandle;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-failover-'));
    sandbox = await startSandbox({ stateFile: join(dir, 'sandbox', 'state.json'), timing: TIMING });
  });
  after(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('measures every rerouted vantage’s failover within 1 s of the ground truth', async () => {
    const state = sandbox.state;
    const config = resolveConfig(mergeConfigLayer({ project: 'shop' }, configFromSandboxState(state)));
    const plan = buildPlan(config, { scenario: 'global-traffic', durationMs: 14_000, ratePerSecond: 20, path: '/version', thresholds: {} });
    const runDir = join(dir, 'run');
    const run = await startK6Run({ plan, runDir, signals: null });
    const route53 = sandboxRoute53(state.aws);
    const use1 = state.regions.find((r) => r.name === 'us-east-1');
    if (!use1) throw new Error('no us-east-1 in the sandbox');
    try {
      // Wait for traffic from every vantage, then fault, hold, restore, as a game day would (ledger times around the call).
      let seen = 0;
      for await (const p of run.points) {
        if (p.metric === 'request_failed' && ++seen >= 60) break;
      }
      await sleep(1500);
      // t_fault just before the call, as the fault ledger takes it.
      const appliedAt = Date.now();
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: use1.healthCheckId, Inverted: true }));
      await sleep(5000);
      const undoneAt = Date.now();
      await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: use1.healthCheckId, Inverted: false }));
      const result = await run.done;
      expect(result.kind, result.kind === 'ok' ? '' : JSON.stringify(result)).to.be.oneOf(['ok', 'thresholds-failed']);
      const fault: FaultEvent = { id: 'invert-use1', kind: 'invert-health-check', region: 'us-east-1', appliedAt, undoneAt };

      const lines = (await readFile(state.groundTruthLog, 'utf8'))
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as GroundTruthLine);
      const health = healthFromGroundTruth(lines);
      const gate = failoverGateSchema.parse({ kind: 'failover', successWindowSeconds: 1, minSamples: 5 });
      const outcome = await judgeRun({ sources: [run.files.ndjson], gates: [gate], faults: [fault], health });
      const requests = requestsByVantage(outcome.store, {
        metric: gate.metric,
        vantageTag: gate.vantageTag,
        servedByTag: gate.servedByTag,
      });
      const [timeline] = failoverTimeline(requests, [fault], health, failoverOptions(gate));
      if (!timeline) throw new Error('no timeline');

      // Detection: the edge reported us-east-1 unhealthy after about interval x threshold.
      expect(timeline.detectionMs, 'detection time')
        .to.be.a('number')
        .and.be.within(0, TIMING.healthIntervalMs * (TIMING.failureThreshold + 2) + 2000);
      const check = checkAgainstGroundTruth(timeline, { routes: routesFromGroundTruth(lines), health }, 1000);
      const rerouted = state.vantages.filter((v) => v.nearestRegion === 'us-east-1').map((v) => v.name);
      expect(rerouted, 'the sandbox places a vantage nearest us-east-1').to.not.be.empty;
      expect(
        check.vantages.map((a) => a.vantage),
        'the ground truth rerouted the vantages nearest us-east-1',
      ).to.include.members(rerouted);
      expect(check.problems, 'every affected vantage within 1 s of the ground truth').to.deep.equal([]);
      expect(check.ok).to.equal(true);
      // The launcher's live stream of the same run gives the same judgement as its file.
      const live = await judgeRun({ sources: [run.points], gates: [gate], faults: [fault], health });
      expect(live.results).to.deep.equal(outcome.results);
      // The gate judged exactly the affected vantages, from the same data.
      const measured = outcome.results.filter((r) => r.measure === 'client-seen failover time');
      expect(measured.map((r) => r.group.vantage).sort()).to.deep.equal(check.vantages.map((v) => v.vantage).sort());
    } finally {
      run.stop();
      route53.destroy();
    }
  });
});
