import { type ExperimentTemplate, FisClient, GetExperimentTemplateCommand, ListExperimentsCommand } from '@aws-sdk/client-fis';
import { actionEffect } from './fis-actions.ts';
import type { ExecutedExperiment } from './fis-experiment-view.ts';
import { resolveTarget, type TargetableRegion } from './fis-targets.ts';
import type { GroundTruthLog } from './ground-truth.ts';
import { clearFault, setFault } from './region-app/admin-client.ts';
import { SANDBOX_CREDENTIALS } from './state.ts';

// Executes FIS experiments stored in moto against the sandbox's region apps. It watches with ListExperiments and
// GetExperimentTemplate only: moto advances an experiment one state per GetExperiment call, so calling it here would
// change what other callers see. moto's own "completed" is that shortcut, not the actions finishing, so the executor
// ignores it: an action ends when its ISO 8601 duration elapses or when the experiment is stopped.

export interface ExecutorRegion extends TargetableRegion {
  adminUrl: string;
}

export interface FisExecutorOptions {
  motoUrl: string;
  regions: ExecutorRegion[];
  groundTruth: GroundTruthLog;
  pollMs?: number;
  log?: (line: string) => void;
}

interface RunningAction {
  name: string;
  actionId: string;
  regions: ExecutorRegion[];
  source: string;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  startAfter: string[];
  started: boolean;
  /** When it began and stopped acting (ms), as GetExperiment reports through the sandbox API. */
  startedAt?: number;
  endedAt?: number;
}

interface Tracked {
  id: string;
  templateId: string;
  /** The status moto last listed. */
  status: string;
  actions: RunningAction[];
  ended: boolean;
}

/** Statuses after which an experiment's faults are undone. `completed` is deliberately absent (see above). */
const ENDED = new Set(['stopping', 'stopped', 'failed', 'cancelled']);

export class FisExecutor {
  private readonly clients = new Map<string, FisClient>();
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: FisExecutorOptions) {
    this.log = options.log ?? (() => {});
    for (const r of options.regions) {
      this.clients.set(
        r.name,
        new FisClient({ region: r.name, endpoint: options.motoUrl, credentials: { ...SANDBOX_CREDENTIALS }, maxAttempts: 2 }),
      );
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 200);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    for (const t of this.tracked.values()) await this.end(t, 'sandbox stopping');
    for (const c of this.clients.values()) c.destroy();
  }

  /** A hint that an experiment was stopped (seen on the API proxy), so the heal does not wait for the next poll. */
  async experimentStopped(id: string): Promise<void> {
    const t = this.tracked.get(id);
    if (t) await this.end(t, 'StopExperiment');
  }

  /**
   * A hint that a template was deleted (seen on the API proxy). An experiment moto already lists as completed (its
   * GetExperiment shortcut) cannot be stopped any more, so its owner's clean-up would otherwise leave actions without
   * a duration (aws:ecs:stop-task) applied for good: deleting its template ends it. Running ones go on, as in FIS.
   */
  async templateDeleted(templateId: string): Promise<void> {
    for (const t of this.tracked.values()) {
      if (t.templateId === templateId && t.status === 'completed') await this.end(t, 'template deleted after the experiment completed');
    }
  }

  /** What the executor did with an experiment: each action's start and end; undefined for one it has not seen. */
  executed(id: string): ExecutedExperiment | undefined {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    const actions: ExecutedExperiment['actions'] = {};
    for (const a of t.actions) actions[a.name] = { startedAt: a.startedAt, endedAt: a.endedAt };
    return { ended: t.ended || t.actions.every((a) => a.done), actions };
  }

  /** One pass over every region's experiments. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      await Promise.all(this.options.regions.map((r) => this.pollRegion(r.name)));
    } finally {
      this.polling = false;
    }
  }

  private async pollRegion(region: string): Promise<void> {
    const client = this.clients.get(region);
    if (!client) return;
    const seen = new Set<string>();
    try {
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListExperimentsCommand({ nextToken, maxResults: 100 }));
        for (const e of page.experiments ?? []) {
          const id = e.id ?? '';
          seen.add(id);
          const status = e.state?.status ?? 'pending';
          const t = this.tracked.get(id);
          if (t) t.status = status;
          if (!t && !ENDED.has(status) && status !== 'completed') await this.begin(client, id, e.experimentTemplateId ?? '', status);
          else if (!t && status === 'completed') {
            // moto marks experiments completed after a few GetExperiment calls; one never seen running still runs here.
            const created = e.creationTime?.getTime() ?? 0;
            if (Date.now() - created < 60_000) await this.begin(client, id, e.experimentTemplateId ?? '', status);
            else this.tracked.set(id, { id, templateId: e.experimentTemplateId ?? '', status, actions: [], ended: true });
          } else if (t && ENDED.has(status)) await this.end(t, `experiment ${status}`);
        }
        nextToken = page.nextToken;
      } while (nextToken);
      // An experiment that disappeared (moto was reset) can no longer be stopped through the API: undo its faults.
      for (const t of this.tracked.values()) {
        if (!seen.has(t.id) && !t.ended && this.experimentRegion.get(t.id) === region) await this.end(t, 'experiment no longer exists');
      }
    } catch (err) {
      if (!this.stopped) this.log(`FIS executor: listing experiments in ${region} failed: ${(err as Error).message}`);
    }
  }

  private readonly experimentRegion = new Map<string, string>();

  private async begin(client: FisClient, id: string, templateId: string, status: string): Promise<void> {
    const tracked: Tracked = { id, templateId, status, actions: [], ended: false };
    this.tracked.set(id, tracked);
    this.experimentRegion.set(id, String(await client.config.region()));
    let template: ExperimentTemplate | undefined;
    try {
      template = (await client.send(new GetExperimentTemplateCommand({ id: templateId }))).experimentTemplate;
    } catch (err) {
      this.log(`FIS executor: experiment ${id}: template ${templateId} unreadable: ${(err as Error).message}`);
      return;
    }
    for (const [name, action] of Object.entries(template?.actions ?? {})) {
      const regions: ExecutorRegion[] = [];
      for (const targetName of Object.values(action.targets ?? {})) {
        const target = template?.targets?.[targetName];
        for (const r of target ? resolveTarget(target, this.options.regions) : []) if (!regions.includes(r)) regions.push(r);
      }
      tracked.actions.push({
        name,
        actionId: action.actionId ?? '',
        regions,
        source: `fis:${id}:${name}`,
        timer: undefined,
        done: false,
        startAfter: action.startAfter ?? [],
        started: false,
      });
    }
    await this.startReady(tracked, template);
  }

  /** Starts every action whose predecessors (startAfter) have finished. */
  private async startReady(tracked: Tracked, template: ExperimentTemplate | undefined): Promise<void> {
    for (const a of tracked.actions) {
      if (a.started || tracked.ended) continue;
      if (!a.startAfter.every((n) => tracked.actions.find((b) => b.name === n)?.done !== false)) continue;
      a.started = true;
      const effect = actionEffect(a.actionId, template?.actions?.[a.name]?.parameters ?? {});
      const now = Date.now();
      if (effect.kind !== 'unsupported') a.startedAt = now;
      if (effect.kind === 'unsupported') {
        this.log(`FIS executor: experiment ${tracked.id} action ${a.name}: ${effect.reason}`);
        a.done = true;
        continue;
      }
      for (const r of a.regions) {
        try {
          await setFault(r.adminUrl, a.source, effect.fault);
        } catch (err) {
          this.log(`FIS executor: ${a.actionId} on ${r.name} failed: ${(err as Error).message}`);
        }
        this.options.groundTruth.write({
          time: now,
          kind: 'fis-action',
          phase: 'start',
          experimentId: tracked.id,
          action: a.name,
          actionId: a.actionId,
          region: r.name,
          reason: JSON.stringify(effect.fault),
        });
      }
      this.log(
        `FIS executor: experiment ${tracked.id}: ${a.actionId} on ${a.regions.map((r) => r.name).join(', ') || '(no sandbox target)'}`,
      );
      if (effect.durationMs !== undefined) {
        a.timer = setTimeout(() => {
          void this.finish(tracked, a, 'duration elapsed').then(() => this.startReady(tracked, template));
        }, effect.durationMs);
      }
    }
  }

  private async finish(tracked: Tracked, a: RunningAction, reason: string): Promise<void> {
    if (a.done) return;
    a.done = true;
    clearTimeout(a.timer);
    if (!a.started) return;
    if (a.startedAt !== undefined) a.endedAt = Date.now();
    for (const r of a.regions) {
      try {
        await clearFault(r.adminUrl, a.source);
      } catch (err) {
        this.log(`FIS executor: undoing ${a.actionId} on ${r.name} failed: ${(err as Error).message}`);
      }
      this.options.groundTruth.write({
        time: Date.now(),
        kind: 'fis-action',
        phase: 'stop',
        experimentId: tracked.id,
        action: a.name,
        actionId: a.actionId,
        region: r.name,
        reason,
      });
    }
  }

  private async end(tracked: Tracked, reason: string): Promise<void> {
    if (tracked.ended) return;
    tracked.ended = true;
    for (const a of tracked.actions) await this.finish(tracked, a, reason);
  }
}
