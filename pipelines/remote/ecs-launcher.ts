import { DescribeTasksCommand, ECSClient } from '@aws-sdk/client-ecs';
import type { FaultSession } from '../../chaos/session.ts';
import { awsClientOptions } from '../../config/aws.ts';
import type { CrosswindConfig } from '../../config/schema.ts';
import type { RemoteRunnerPlan } from './traffic-plan.ts';

/** Starts and stops remote runners of one kind; the fleet follows them through the results bucket. */
export interface RunnerLauncher {
  /** Starts one runner with its command; rejects when it could not be started. */
  start(runner: RemoteRunnerPlan, command: string[], deadline: number): Promise<void>;
  /** Runners whose task or pod has ended, with why (as the platform says). */
  ended(): Promise<Map<string, string>>;
  /** Stops every runner it started; idempotent. */
  stop(reason: string): Promise<void>;
  close(): void;
}

/**
 * ECS runners, each task a ledger entry of the run's fault session: RunTask after its intent is written, StopTask when
 * the traffic ends, and whatever else ends the run (a signal, an error, `crosswind restore` after a crash) stops it too.
 * DescribeTasks says when a task stopped on its own.
 */
export function ecsLauncher(config: CrosswindConfig, session: FaultSession): RunnerLauncher {
  const started = new Map<string, { ledgerId: string; taskArn: string; region: string; cluster: string }>();
  const clients = new Map<string, ECSClient>();
  const ecs = (region: string) => {
    let c = clients.get(region);
    if (!c) {
      c = new ECSClient(awsClientOptions(config.aws, 'ecs', region));
      clients.set(region, c);
    }
    return c;
  };
  return {
    async start(runner, command, deadline) {
      const r = runner.runner;
      if (r.kind !== 'ecs') throw new Error(`runner ${runner.id} is not on ECS`);
      const applied = await session.apply({
        kind: 'ecs-runner',
        task: {
          vantage: runner.vantage,
          runnerId: runner.id,
          region: r.region,
          cluster: r.cluster,
          taskDefinition: r.taskDefinition,
          container: r.container,
          subnets: r.subnets,
          securityGroups: r.securityGroups,
          assignPublicIp: r.assignPublicIp,
          ...(r.taskRoleArn ? { taskRoleArn: r.taskRoleArn } : {}),
          ...(r.platformVersion ? { platformVersion: r.platformVersion } : {}),
          command,
          deadline,
        },
      });
      if (!applied) return; // a dry run starts nothing
      started.set(runner.id, { ledgerId: applied.id, taskArn: applied.detail?.taskArn ?? '', region: r.region, cluster: r.cluster });
    },
    async ended() {
      const out = new Map<string, string>();
      const groups = new Map<string, { region: string; cluster: string; ids: Map<string, string> }>();
      for (const [id, s] of started) {
        const key = `${s.region}/${s.cluster}`;
        const g = groups.get(key) ?? { region: s.region, cluster: s.cluster, ids: new Map() };
        g.ids.set(s.taskArn, id);
        groups.set(key, g);
      }
      for (const g of groups.values()) {
        const d = await ecs(g.region).send(new DescribeTasksCommand({ cluster: g.cluster, tasks: [...g.ids.keys()] }));
        for (const t of d.tasks ?? []) {
          const id = g.ids.get(t.taskArn ?? '');
          if (id && t.lastStatus === 'STOPPED') out.set(id, `its task stopped (${t.stoppedReason || t.stopCode || 'no reason given'})`);
        }
        for (const f of d.failures ?? []) {
          const id = g.ids.get(f.arn ?? '');
          if (id) out.set(id, `its task is gone (${f.reason ?? 'missing'})`);
        }
      }
      return out;
    },
    async stop(reason) {
      for (const s of started.values()) {
        if (session.openFaults().some((f) => f.intent.id === s.ledgerId)) await session.undo(s.ledgerId, reason);
      }
    },
    close() {
      for (const c of clients.values()) c.destroy();
    },
  };
}
