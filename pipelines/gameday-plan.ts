import type { GamedayConfig, GamedayFault, GamedayPhase } from '../config/gameday-schema.ts';
import type { ConfigProblem } from '../core/errors.ts';

/** A fault of the drill with its region resolved. */
export type ResolvedFault = GamedayFault & { region: string };

/** The drill decided before anything is done: the target, the faults, and how long traffic must run. */
export interface GamedayPlan {
  targetRegion: string;
  survivors: string[];
  phases: GamedayPhase[];
  faults: ResolvedFault[];
  /** Milliseconds of the timed phases (baseline, observe, functional checks, verify-rebalance). */
  timedMs: number;
}

/** Pure: problems with the drill against the configured regions, as config paths; empty when it can run. */
export function gamedayProblems(gameday: GamedayConfig, regions: readonly string[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const known = (r: string | undefined) => r === undefined || regions.includes(r);
  if (!known(gameday.targetRegion)) {
    problems.push({
      path: 'gameday.targetRegion',
      message: `"${gameday.targetRegion}" is not a configured region (${regions.join(', ')})`,
    });
  }
  const count = (kind: GamedayPhase['kind']) => gameday.phases.filter((p) => p.kind === kind).length;
  gameday.phases.forEach((phase, i) => {
    if (phase.kind !== 'inject') return;
    phase.faults.forEach((f, j) => {
      if (!known(f.region))
        problems.push({ path: `gameday.phases[${i}].faults[${j}].region`, message: `"${f.region}" is not a configured region` });
    });
  });
  if (count('inject') > 0 && count('restore') === 0) {
    problems.push({ path: 'gameday.phases', message: 'a drill that injects faults needs a "restore" phase after them' });
  }
  const inject = gameday.phases.findIndex((p) => p.kind === 'inject');
  const restore = gameday.phases.findIndex((p) => p.kind === 'restore');
  if (inject >= 0 && restore >= 0 && restore < inject) {
    problems.push({ path: `gameday.phases[${restore}]`, message: '"restore" must come after "inject"' });
  }
  if (regions.length < 2)
    problems.push({ path: 'regions', message: 'a game day needs at least two regions: one to take out, one to fail over to' });
  return problems;
}

/** `20 s`, `1.5 s`: a duration in ms as people read it. */
export function secs(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function timed(phase: GamedayPhase): number {
  return 'duration' in phase ? phase.duration : 0;
}

/** Pure: the drill with its target and faults resolved. Call `gamedayProblems` first. */
export function buildGamedayPlan(gameday: GamedayConfig, regions: readonly string[], targetOverride?: string): GamedayPlan {
  const targetRegion = targetOverride ?? gameday.targetRegion ?? (regions[0] as string);
  const faults = gameday.phases.flatMap((p) =>
    p.kind === 'inject' ? p.faults.map((f) => ({ ...f, region: f.region ?? targetRegion })) : [],
  );
  const hurt = new Set(faults.map((f) => f.region));
  return {
    targetRegion,
    survivors: regions.filter((r) => !hurt.has(r)),
    phases: gameday.phases.map((p) => (p.kind === 'announce' ? { ...p, message: p.message.replaceAll('{region}', targetRegion) } : p)),
    faults,
    timedMs: gameday.phases.reduce((sum, p) => sum + timed(p), 0),
  };
}

/** Pure: one fault of the drill as people read it (`--dry-run`, the live notes). */
export function faultText(f: ResolvedFault): string {
  switch (f.kind) {
    case 'invert-health-check':
      return `invert health check of ${f.region}`;
    case 'fis-experiment':
      return `FIS experiment ${f.template} (${f.region})`;
    case 'dependency-down':
      return `${f.dependency} of ${f.region} down: FIS experiment ${f.template}`;
  }
}

/** Pure: the drill as text for `--dry-run` and the announcement. */
export function renderGamedayPlan(plan: GamedayPlan, gameday: GamedayConfig): string[] {
  const lines = [`Game day: take out ${plan.targetRegion}; survivors ${plan.survivors.join(', ')}`];
  plan.phases.forEach((p, i) => {
    const n = `  ${i + 1}. ${p.kind.padEnd(18)}`;
    switch (p.kind) {
      case 'announce':
        lines.push(`${n}"${p.message}"`);
        break;
      case 'inject':
        lines.push(`${n}${p.faults.map((f) => faultText({ ...f, region: f.region ?? plan.targetRegion })).join(', ')}`);
        break;
      case 'restore':
        lines.push(`${n}undo every fault of the drill (ledger)`);
        break;
      case 'verify-rebalance':
        lines.push(`${n}${secs(p.duration)}, shares back within ${p.tolerance * 100}% of the baseline`);
        break;
      default:
        lines.push(`${n}${secs(p.duration)}`);
    }
  });
  const t = gameday.targets;
  lines.push(
    `Targets: detection <= ${t.detectionSeconds} s, client-seen failover <= ${t.failoverSeconds} s, transition errors <= ${(t.transitionErrorRate * 100).toFixed(2)}%, survivors p(${t.survivorPercentile}) <= ${t.survivorLatencyMs} ms`,
  );
  if (plan.faults.some((f) => f.kind === 'dependency-down'))
    lines.push(`Deep health: 503 within ${t.deepHealthSeconds} s of the fault, serving again within ${t.recoverySeconds} s of the restore`);
  return lines;
}
