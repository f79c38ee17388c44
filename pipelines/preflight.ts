import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FaultSpec } from '../chaos/fault.ts';
import type { AwsResolver } from '../chaos/resolve.ts';
import type { CrosswindConfig } from '../config/schema.ts';
import { findExecutable } from '../core/child-process.ts';
import { ConfigError, type ConfigProblem } from '../core/errors.ts';
import type { GamedayPlan } from './gameday-plan.ts';
import type { RolloutPlan } from './rollout-plan.ts';

// Preflight: before a game day or a rollout changes anything, everything it will touch is resolved read-only: the
// health checks it forces and watches, the FIS templates it starts, the stop-condition alarms, the weighted records
// of a DNS canary, the executables of the hooks. One missing piece refuses the whole run (exit 2) with every missing
// piece named at its config path, instead of a drill that applies its first fault and then fails on its second.

/** One thing the run will touch, where the config names it. */
export type Need =
  | { kind: 'health-check'; path: string; healthCheckId: string }
  | { kind: 'fis-template'; path: string; region: string; templateId: string }
  | { kind: 'alarm'; path: string; region: string; name: string }
  | { kind: 'weighted-record'; path: string; setIdentifier: string }
  | { kind: 'executable'; path: string; command: string };

/** What the pure part found: the needs to resolve, and the problems visible without asking anyone. */
export interface Needs {
  needs: Need[];
  problems: ConfigProblem[];
}

const SHELL_WORDS = new Set(
  'if then else fi for while until do done case esac { } ( ! [ [[ test . : source eval exec command builtin cd echo printf read set export unset true false exit return trap wait time'.split(
    ' ',
  ),
);

/**
 * Pure: the program a hook's shell command starts: its first word, after `VAR=value` assignments. Undefined when only
 * the shell can tell (a builtin or keyword, a variable, a quoted or substituted word).
 */
export function hookProgram(command: string): string | undefined {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=\S*$/.test(words[i] as string)) i++;
  const word = words[i]?.replace(/[;&|].*$/, '');
  if (!word || SHELL_WORDS.has(word) || /[$`'"\\(){}<>*?[\]~]/.test(word)) return undefined;
  return word;
}

/** The health checks a run reads (every region's) and those it forces, as needs. */
function healthCheckNeeds(config: CrosswindConfig): Need[] {
  return config.regions.flatMap((r, i) =>
    r.healthCheckId ? [{ kind: 'health-check' as const, path: `regions[${i}].healthCheckId`, healthCheckId: r.healthCheckId }] : [],
  );
}

/** The stop-condition alarms, and the alarms of each FIS template from config that the run starts. */
function alarmNeeds(config: CrosswindConfig, templates: readonly string[]): Need[] {
  const needs: Need[] = config.chaos.stopConditions.alarms.map((a, i) => ({
    kind: 'alarm' as const,
    path: `chaos.stopConditions.alarms[${i}]`,
    region: (typeof a === 'string' ? undefined : a.region) ?? config.aws.controlRegion,
    name: typeof a === 'string' ? a : a.name,
  }));
  for (const name of new Set(templates)) {
    (config.chaos.experiments[name]?.stopConditionAlarms ?? []).forEach((arn, i) => {
      const [, , , region, , ...rest] = arn.split(':');
      needs.push({
        kind: 'alarm',
        path: `chaos.experiments.${name}.stopConditionAlarms[${i}]`,
        region: region as string,
        name: rest.slice(1).join(':'),
      });
    });
  }
  return needs;
}

/** Pure: what a game day will touch. */
export function gamedayNeeds(config: CrosswindConfig, plan: GamedayPlan): Needs {
  const needs = healthCheckNeeds(config);
  const problems: ConfigProblem[] = [];
  const fromConfig: string[] = [];
  let n = 0;
  config.gameday.phases.forEach((phase, i) => {
    if (phase.kind !== 'inject') return;
    phase.faults.forEach((_, j) => {
      const f = plan.faults[n++];
      if (!f) return;
      const path = `gameday.phases[${i}].faults[${j}]`;
      const r = config.regions.findIndex((x) => x.name === f.region);
      if (f.kind === 'invert-health-check' && r >= 0 && !config.regions[r]?.healthCheckId) {
        problems.push({ path: `regions[${r}].healthCheckId`, message: `required by ${path} (forcing ${f.region}'s health check)` });
      }
      if (f.kind === 'invert-health-check') return;
      if (config.chaos.experiments[f.template]) fromConfig.push(f.template);
      else needs.push({ kind: 'fis-template', path: `${path}.template`, region: f.region, templateId: f.template });
    });
  });
  return { needs: [...needs, ...alarmNeeds(config, fromConfig)], problems };
}

/** Pure: what a rollout will touch: its hooks, the weighted records of its DNS canary, the stop-condition alarms. */
export function rolloutNeeds(config: CrosswindConfig, plan: RolloutPlan): Needs {
  const needs: Need[] = [];
  const problems: ConfigProblem[] = [];
  for (const hook of ['deploy', 'rollback'] as const) {
    const command = config.rollout.hooks[hook];
    if (command) needs.push({ kind: 'executable', path: `rollout.hooks.${hook}`, command });
  }
  if (plan.weightSteps.length > 0 && config.chaos.weightedRecords) {
    config.regions.forEach((r, i) => {
      if (r.setIdentifier) needs.push({ kind: 'weighted-record', path: `regions[${i}].setIdentifier`, setIdentifier: r.setIdentifier });
      else problems.push({ path: `regions[${i}].setIdentifier`, message: `required by rollout.weightSteps (${r.name}'s weighted record)` });
    });
    needs.push(...healthCheckNeeds(config), ...alarmNeeds(config, []));
  }
  return { needs, problems };
}

/**
 * Pure: what `crosswind chaos` will touch for its faults, each named at the flag that gave it: the forced region's
 * health check, the weighted record of a shifted region, an FIS template by id, the alarms of a template from config,
 * and the stop-condition alarms.
 */
export function faultNeeds(config: CrosswindConfig, faults: readonly { spec: FaultSpec; path: string }[]): Needs {
  const needs: Need[] = [];
  const fromConfig: string[] = [];
  for (const { spec, path } of faults) {
    const r = config.regions.findIndex((x) => x.name === (spec as { region?: string }).region);
    const region = config.regions[r];
    if (spec.kind === 'invert-health-check' && region?.healthCheckId) {
      needs.push({ kind: 'health-check', path: `regions[${r}].healthCheckId`, healthCheckId: region.healthCheckId });
    } else if (spec.kind === 'shift-weight' && region?.setIdentifier && config.chaos.weightedRecords) {
      needs.push({ kind: 'weighted-record', path: `regions[${r}].setIdentifier`, setIdentifier: region.setIdentifier });
    } else if (spec.kind === 'fis-experiment') {
      if ('templateId' in spec) needs.push({ kind: 'fis-template', path, region: spec.region, templateId: spec.templateId });
      else fromConfig.push(spec.template);
    }
  }
  return { needs: [...needs, ...alarmNeeds(config, fromConfig)], problems: [] };
}

/** Where hooks run and how their programs are found. */
export interface HostEnv {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function executableProblem(command: string, host: HostEnv): string | undefined {
  const program = hookProgram(command);
  if (program === undefined) return undefined;
  if (!program.includes('/')) {
    return findExecutable(program, host.env) ? undefined : `"${program}" is not a command on PATH (${host.env.PATH ?? 'PATH is not set'})`;
  }
  const file = resolve(host.cwd, program);
  try {
    if (!statSync(file).isFile()) return `"${program}" (${file}) is not a file`;
    accessSync(file, constants.X_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES'
      ? `"${program}" (${file}) is not executable (chmod +x ${program})`
      : `"${program}" does not exist (${file})`;
  }
}

/** What was read once for all needs: the alarms found per region, the weighted records' SetIdentifiers. */
interface Shared {
  alarms: Map<string, Set<string>>;
  records: Set<string>;
}

async function readShared(config: CrosswindConfig, needs: readonly Need[], aws: AwsResolver): Promise<Shared> {
  const names = new Map<string, string[]>();
  for (const n of needs) if (n.kind === 'alarm') names.set(n.region, [...(names.get(n.region) ?? []), n.name]);
  const alarms = new Map<string, Set<string>>();
  for (const [region, list] of names) alarms.set(region, await aws.alarmsFound(region, list));
  const where = config.chaos.weightedRecords;
  const records = where && needs.some((n) => n.kind === 'weighted-record') ? await aws.weightedSetIdentifiers(where) : new Set<string>();
  return { alarms, records };
}

async function missing(need: Need, config: CrosswindConfig, aws: AwsResolver, host: HostEnv, shared: Shared): Promise<string | undefined> {
  switch (need.kind) {
    case 'health-check':
      return (await aws.healthCheckExists(need.healthCheckId)) ? undefined : `Route 53 has no health check "${need.healthCheckId}"`;
    case 'fis-template': {
      if (await aws.experimentTemplateExists(need.region, need.templateId)) return undefined;
      const near = closest(need.templateId, Object.keys(config.chaos.experiments));
      return `"${need.templateId}" is neither a template in chaos.experiments nor an FIS experiment template id in ${need.region}${near ? ` (did you mean "${near}"?)` : ''}`;
    }
    case 'alarm':
      return shared.alarms.get(need.region)?.has(need.name) ? undefined : `no CloudWatch alarm "${need.name}" in ${need.region}`;
    case 'weighted-record': {
      const w = config.chaos.weightedRecords;
      return shared.records.has(need.setIdentifier)
        ? undefined
        : `no weighted ${w?.type} record ${w?.name} with SetIdentifier "${need.setIdentifier}" in hosted zone ${w?.hostedZoneId}`;
    }
    case 'executable':
      return executableProblem(need.command, host);
  }
}

/** Pure: the name within two edits of `name`, if one is. */
export function closest(name: string, names: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) {
        next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      row = next;
    }
    return row[b.length] as number;
  };
  const ranked = names.map((n) => ({ n, d: distance(name, n) })).sort((x, y) => x.d - y.d);
  return ranked[0] && ranked[0].d <= 2 ? ranked[0].n : undefined;
}

/**
 * Resolves every need read-only and throws one ConfigError (exit 2) naming every missing piece at its config path;
 * returns when all are there. Alarms are read once per region, weighted records once.
 */
export async function preflight(config: CrosswindConfig, found: Needs, aws: AwsResolver, host: HostEnv): Promise<void> {
  const problems = [...found.problems];
  const shared = await readShared(config, found.needs, aws);
  for (const need of found.needs) {
    const problem = await missing(need, config, aws, host, shared);
    if (problem) problems.push({ path: need.path, message: problem });
  }
  if (problems.length > 0) {
    throw new ConfigError([...problems, { path: '', message: `preflight: ${problems.length} missing piece(s); nothing was changed` }]);
  }
}
