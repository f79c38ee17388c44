import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { STSClient } from '@aws-sdk/client-sts';
import { defaultRetry } from '../chaos/aws-call.ts';
import { allowedAccount } from '../chaos/guardrails.ts';
import { createRunFolder } from '../chaos/run-folder.ts';
import { awsClientOptions } from '../config/aws.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import type { CliIo } from '../core/io.ts';
import { buildPlan, type K6RunFiles, startK6Run } from '../synthetics/k6.ts';
import { judgeRun } from '../validations/judge.ts';
import type { RecordedJudgement } from '../validations/run-gates.ts';
import { decide } from '../validations/verdict.ts';
import { createProbeAlarms, publishProbeCycle } from './cloudwatch-publisher.ts';
import { secs } from './gameday-plan.ts';
import { probeCells, probeGates } from './probe-gates.ts';
import { type CycleOutput, type ProbeSummary, type ProbeWorld, runProbe } from './probe-loop.ts';
import { finishRun, type RunReport } from './run-report.ts';

export interface ProbeCommand {
  config: CrosswindConfig;
  io: CliIo;
  root?: string;
  /** The k6 executable, found and version-checked by the CLI (`--k6`, CROSSWIND_K6, PATH); default: found here. */
  k6?: string;
}

/**
 * Publishing writes metrics and alarms: with credentials for an account the config does not allow, the probe is
 * refused before its run folder and its first cycle. A probe that publishes nothing needs no AWS account at all.
 */
async function checkPublishingAccount(config: CrosswindConfig): Promise<void> {
  const cw = config.probe.cloudwatch;
  if (!cw.enabled && !cw.createAlarms) return;
  const sts = new STSClient(awsClientOptions(config.aws, 'sts'));
  try {
    await allowedAccount(config, { sts, retry: defaultRetry });
  } finally {
    sts.destroy();
  }
}

/** What the probe judged last: the window's gate results and the judgement they came from, for the run's report. */
interface LastWindow {
  results: Awaited<ReturnType<typeof judgeRun>>['results'];
  judged: RecordedJudgement[];
}

/**
 * The probe loop's world: each cycle a global-traffic k6 run in the run folder, the window judged by the probe gates
 * (the newest cycle alone too, for the per-cycle cells), CloudWatch for metrics and alarms, and a cycle's files
 * deleted once it leaves the window. Each judgement is kept in `last`.
 */
function probeWorld(c: ProbeCommand, runDir: string, cw: CloudWatchClient, signal: AbortSignal, last: LastWindow): ProbeWorld {
  const { config, io } = c;
  const probe = config.probe;
  const files = new Map<string, K6RunFiles>();
  return {
    async runCycle(index, durationMs): Promise<CycleOutput> {
      const k6 = await startK6Run({
        plan: buildPlan(config, { scenario: 'global-traffic', durationMs, ratePerSecond: probe.rate, thresholds: {} }),
        runDir,
        k6Path: c.k6,
        name: `cycle-${index}`,
        signal,
        signals: null,
      });
      await k6.done;
      files.set(k6.files.ndjson, k6.files);
      return { ndjson: k6.files.ndjson, sources: k6.sources };
    },
    async judge(window) {
      const newest = window[window.length - 1] as CycleOutput;
      const windowed: RecordedJudgement = { sources: window.flatMap((w) => w.sources ?? [w.ndjson]), gates: probeGates(probe) };
      const [cycle, judged] = await Promise.all([
        judgeRun({ sources: newest.sources ?? [newest.ndjson], gates: probeGates(probe, 1) }),
        judgeRun(windowed),
      ]);
      last.results = judged.results;
      last.judged = [windowed];
      const status = judged.verdict.kind === 'approve' ? 'pass' : judged.verdict.kind === 'rollback' ? 'fail' : 'inconclusive';
      return {
        status,
        cells: probeCells(cycle.results, judged.results),
        lines: judged.results.filter((g) => g.status !== 'pass').map((g) => g.reason),
      };
    },
    publish: (cells, at) => publishProbeCycle(cw, probe, cells, at),
    createAlarms: (cells) => createProbeAlarms(cw, config.project, probe, cells),
    async discard(output) {
      const f = files.get(output.ndjson);
      files.delete(output.ndjson);
      // Keep the disk as flat as the memory: a cycle that left the window is not needed again.
      const others = (output.sources ?? []).filter((p) => p !== output.ndjson);
      if (f) await Promise.all([f.ndjson, f.summary, f.plan, f.log, ...others].map((p) => rm(p, { force: true })));
    },
    sleep: async (ms, sleepSignal) => {
      await sleep(ms, undefined, { signal: sleepSignal }).catch(() => {});
    },
    now: () => new Date(),
    log: (line) => io.out(line),
  };
}

/** Ctrl-C or SIGTERM aborts `ac` (the current cycle is cut short, the loop ends); returns the undo. */
function stopOnSignals(io: CliIo, ac: AbortController): () => void {
  const onSignal = () => {
    io.err('stopping the probe after this cycle is cut short');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function summaryLine(summary: ProbeSummary, probe: CrosswindConfig['probe']): string {
  const target = probe.cloudwatch.enabled ? probe.cloudwatch.namespace : '(publishing off)';
  const alarms = summary.alarms.length ? `; alarms: ${summary.alarms.join(', ')}` : '';
  return `Probe: ${summary.cycles} cycle(s), ${summary.failedCycles} failed, ${summary.inconclusiveCycles} inconclusive; ${summary.published} metric datum(s) published to ${target}${alarms}`;
}

/**
 * `crosswind probe`: the probe loop with short global-traffic cycles from the synthetics launcher, the window judged
 * by the validations gates, and each cycle published to CloudWatch. Ctrl-C ends the current cycle and the loop.
 */
export async function probeCommand(c: ProbeCommand): Promise<RunReport> {
  const { config, io } = c;
  const probe = config.probe;
  await checkPublishingAccount(config);
  const startedAt = Date.now();
  const run = createRunFolder({ root: c.root, mode: 'probe' });
  const cw = new CloudWatchClient(awsClientOptions(config.aws, 'cloudwatch', probe.cloudwatch.region));
  const ac = new AbortController();
  const unlisten = stopOnSignals(io, ac);
  const last: LastWindow = { results: [], judged: [] };
  io.out(
    `Probe: ${probe.cycles === 0 ? 'until stopped' : `${probe.cycles} cycle(s)`} of ${secs(probe.cycleDuration)}, window of ${probe.windowCycles}; run folder ${run.path}`,
  );
  let summary: ProbeSummary;
  try {
    summary = await runProbe(probe, probeWorld(c, run.path, cw, ac.signal, last), ac.signal);
  } finally {
    unlisten();
    cw.destroy();
  }
  io.out(summaryLine(summary, probe));
  return finishRun({
    io,
    config,
    runDir: run.path,
    mode: 'probe',
    startedAt,
    title: 'Probe (last window)',
    judgement: { verdict: decide(last.results), results: last.results },
    judged: last.judged,
    extra: { ...summary, namespace: probe.cloudwatch.namespace },
  });
}
