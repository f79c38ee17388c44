import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, StopTaskCommand, type Task } from '@aws-sdk/client-ecs';
import { type Child, spawnChild } from '../core/child-process.ts';
import type { GroundTruthLog } from './ground-truth.ts';
import { inNetns } from './netns.ts';
import type { TaskMetadata } from './runner-endpoints.ts';
import { SANDBOX_CREDENTIALS } from './state.ts';

// ECS tasks as AWS runs them, for what moto only records: moto stores RunTask and never starts a container. The
// executor watches each region's runner cluster in moto; a task that is RUNNING there and not yet running here is
// started as a local process, inside the network namespace of the vantage whose region and subnet the task names, with
// the task's command and environment, and what AWS gives a Fargate task: its region, credentials, the S3 endpoint and
// the time server. StopTask reaches it as ECS sends it (SIGTERM, then SIGKILL after the stop timeout); a process that
// ends by itself stops its task in moto, as ECS does when the essential container exits.

/** Where a task in a subnet runs. */
export interface TaskPlace {
  vantage: string;
  region: string;
  subnetId: string;
  /** The vantage's namespace (namespace world); none: a plain local process (loopback world). */
  netns?: string;
}

export interface EcsExecutorOptions {
  motoUrl: string;
  regions: string[];
  cluster: string;
  places: TaskPlace[];
  /** How to start crosswind itself (the container's entry point): `node <bin>` of the running installation. */
  entry: { command: string; args: string[] };
  /** What the platform gives every task (S3 endpoint, time server, k6). */
  env: Record<string, string>;
  /** The task metadata endpoint: each task started is added to `tasks` and told its URI, as ECS's agent does. */
  metadata?: { url: string; tasks: Map<string, TaskMetadata> };
  /** Where each task's output goes (`<dir>/<task id>.log`), as CloudWatch Logs would keep it. */
  logDir: string;
  groundTruth?: GroundTruthLog;
  log?: (line: string) => void;
  pollMs?: number;
  /** ECS's stop timeout: SIGKILL this long after SIGTERM. */
  stopTimeoutMs?: number;
}

interface RunningTask {
  arn: string;
  region: string;
  vantage: string;
  child: Child;
  stopping: boolean;
}

/** The subnet a task's network interface is in (awsvpc attachment, else its network configuration). */
function subnetOf(task: Task): string | undefined {
  const attached = task.attachments?.flatMap((a) => a.details ?? []).find((d) => d.name === 'subnetId')?.value;
  return attached ?? undefined;
}

/** Pure: what the task metadata endpoint says of a task moto recorded. */
export function taskMetadata(task: Task): TaskMetadata {
  const [family, revision] = (task.taskDefinitionArn?.split('/').pop() ?? '').split(':');
  return {
    Cluster: task.clusterArn ?? '',
    TaskARN: task.taskArn ?? '',
    Family: family ?? '',
    Revision: revision ?? '',
    LaunchType: task.launchType ?? 'FARGATE',
    ...(task.availabilityZone ? { AvailabilityZone: task.availabilityZone } : {}),
  };
}

export class EcsExecutor {
  readonly #o: EcsExecutorOptions;
  readonly #clients = new Map<string, ECSClient>();
  readonly #running = new Map<string, RunningTask>();
  readonly #seen = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  constructor(options: EcsExecutorOptions) {
    this.#o = options;
    mkdirSync(options.logDir, { recursive: true });
    for (const r of options.regions) {
      this.#clients.set(
        r,
        new ECSClient({ region: r, endpoint: options.motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 3 }),
      );
    }
  }

  /** Tasks running here now (for status and tests). */
  get running(): { arn: string; region: string; vantage: string; pid: number | undefined }[] {
    return [...this.#running.values()].map((t) => ({ arn: t.arn, region: t.region, vantage: t.vantage, pid: t.child.pid }));
  }

  start(): void {
    const tick = () => {
      this.#polling = this.#poll()
        .catch((err: unknown) => this.#o.log?.(`ECS executor: ${(err as Error).message}`))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(tick, this.#o.pollMs ?? 300);
        });
    };
    tick();
  }

  /** Stops polling and every task process (their tasks stay as moto has them). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
    for (const t of this.#running.values()) t.child.stop('SIGTERM');
    await Promise.all([...this.#running.values()].map((t) => t.child.done));
    for (const c of this.#clients.values()) c.destroy();
  }

  async #poll(): Promise<void> {
    for (const region of this.#o.regions) {
      const ecs = this.#clients.get(region) as ECSClient;
      const listed = await ecs.send(new ListTasksCommand({ cluster: this.#o.cluster, desiredStatus: 'RUNNING' }));
      const fresh = (listed.taskArns ?? []).filter((a) => !this.#seen.has(a));
      const mine = [...this.#running.values()].filter((t) => t.region === region && !t.stopping).map((t) => t.arn);
      const arns = [...fresh, ...mine];
      if (arns.length === 0) continue;
      const described = await ecs.send(new DescribeTasksCommand({ cluster: this.#o.cluster, tasks: arns }));
      for (const task of described.tasks ?? []) {
        const arn = task.taskArn as string;
        const running = this.#running.get(arn);
        if (running && task.desiredStatus === 'STOPPED') this.#stopTask(running, task.stoppedReason ?? 'StopTask');
        else if (!running && !this.#seen.has(arn) && task.desiredStatus === 'RUNNING') await this.#startTask(region, task);
      }
    }
  }

  async #startTask(region: string, task: Task): Promise<void> {
    const arn = task.taskArn as string;
    this.#seen.add(arn);
    const subnet = subnetOf(task);
    const place = this.#o.places.find((p) => p.region === region && p.subnetId === subnet);
    if (!place) {
      // A task in a subnet no vantage has cannot run anywhere: it fails, as one whose network AWS could not attach.
      await this.#markStopped(region, arn, `no vantage in subnet ${subnet ?? '(none)'} of ${region}`);
      return;
    }
    const override = task.overrides?.containerOverrides?.[0];
    const command = override?.command ?? [];
    const env = Object.fromEntries((override?.environment ?? []).map((e) => [e.name ?? '', e.value ?? '']));
    const args = [...this.#o.entry.args, ...command];
    const cmd = place.netns ? inNetns(place.netns, this.#o.entry.command, args) : { command: this.#o.entry.command, args };
    const id = arn.split('/').pop() as string;
    const metadata = this.#o.metadata;
    metadata?.tasks.set(id, taskMetadata(task));
    const logFile = createWriteStream(join(this.#o.logDir, `${id}.log`));
    const child = spawnChild(cmd.command, cmd.args, {
      env: {
        ...process.env,
        // The entry may be a bin whose `#!/usr/bin/env node` needs this Node on PATH.
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        ...env,
        ...this.#o.env,
        ...(metadata ? { ECS_CONTAINER_METADATA_URI_V4: `${metadata.url}/v4/${id}` } : {}),
        AWS_REGION: region,
        AWS_ACCESS_KEY_ID: SANDBOX_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SANDBOX_CREDENTIALS.secretAccessKey,
      },
      stopSignal: 'SIGTERM',
      killAfterMs: this.#o.stopTimeoutMs ?? 30_000,
      keepLines: 20,
      onData: (chunk) => logFile.write(chunk),
    });
    const running: RunningTask = { arn, region, vantage: place.vantage, child, stopping: false };
    this.#running.set(arn, running);
    this.#o.log?.(
      `ECS task ${id} (${region}) runs in vantage ${place.vantage}${place.netns ? ` (${place.netns})` : ''}: ${command.slice(0, 2).join(' ')}`,
    );
    this.#o.groundTruth?.write({
      time: Date.now(),
      kind: 'ecs-task',
      phase: 'start',
      task: arn,
      region,
      vantage: place.vantage,
      reason: 'RunTask',
    });
    void child.done.then(async (o) => {
      logFile.end();
      this.#running.delete(arn);
      metadata?.tasks.delete(id);
      const why = running.stopping ? 'stopped' : `Essential container in task exited (${o.code ?? o.signal})`;
      this.#o.groundTruth?.write({
        time: Date.now(),
        kind: 'ecs-task',
        phase: 'stop',
        task: arn,
        region,
        vantage: place.vantage,
        reason: why,
      });
      if (!running.stopping && !this.#stopped) await this.#markStopped(region, arn, why).catch(() => {});
    });
  }

  #stopTask(t: RunningTask, reason: string): void {
    t.stopping = true;
    this.#o.log?.(`ECS task ${t.arn.split('/').pop()} (${t.region}): stopping (${reason})`);
    t.child.stop('SIGTERM');
  }

  async #markStopped(region: string, arn: string, reason: string): Promise<void> {
    await this.#clients.get(region)?.send(new StopTaskCommand({ cluster: this.#o.cluster, task: arn, reason }));
  }
}
