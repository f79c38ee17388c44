import type { Command } from 'commander';
import { checkpointsFromEnv } from '../../chaos/checkpoints.ts';
import { consentProblem, defaultConfirm } from '../../chaos/confirm.ts';
import { type FaultSpec, parseFaultSpec, specProblems } from '../../chaos/fault.ts';
import { awsResolver } from '../../chaos/resolve.ts';
import { resolveRunDir } from '../../chaos/restore.ts';
import { withFaultSession } from '../../chaos/session.ts';
import { loadConfig } from '../../config/load.ts';
import { ConfigError, type ConfigProblem } from '../../core/errors.ts';
import type { CliIo } from '../../core/io.ts';
import { faultNeeds, preflight } from '../../pipelines/preflight.ts';
import { durationFlag } from '../flags.ts';

interface CommonOptions {
  config?: string;
  dryRun?: boolean;
  yes?: boolean;
  hold?: string;
  run?: string;
}

/** Applies faults through the ledger; without --hold they stay applied (until `crosswind restore` or their deadline). */
async function runFaults(
  specs: { spec: FaultSpec | string; path: string }[],
  options: CommonOptions,
  io: CliIo,
  mode = 'chaos',
): Promise<void> {
  const { config } = await loadConfig({ path: options.config });
  const problems: ConfigProblem[] = [];
  const located: { spec: FaultSpec; path: string }[] = [];
  for (const { spec, path } of specs) {
    if (typeof spec === 'string') problems.push({ path, message: spec });
    else {
      problems.push(...specProblems(spec, config, path));
      located.push({ spec, path });
    }
  }
  const faults = located.map((f) => f.spec);
  // `--hold 0s` applies, then undoes at once (what `chaos run` does by default).
  const holdMs = durationFlag(problems, '--hold', options.hold, { zero: true });
  const runDir = options.run ? resolveRunDir(options.run) : undefined;
  const consent = consentProblem({ yes: options.yes, dryRun: options.dryRun });
  if (consent) problems.push(consent);
  if (problems.length) throw new ConfigError(problems);
  const log = (line: string) => io.err(line);
  const confirm = defaultConfirm({ yes: options.yes });
  await withFaultSession(
    {
      config,
      mode,
      ...(runDir ? { runDir } : {}),
      dryRun: options.dryRun === true,
      ...(confirm ? { confirm } : {}),
      log,
      checkpoint: checkpointsFromEnv(),
      handleSignals: true,
      keepFaults: holdMs === undefined,
      removeEmptyRun: true,
      // Every fault's pieces are resolved before the first is applied: a typo in the second never leaves the first on.
      preflight: (clients) =>
        preflight(config, faultNeeds(config, located), awsResolver(clients), { cwd: process.cwd(), env: process.env }),
    },
    async (session) => {
      if (session.runDir) log(`run: ${session.runDir}`);
      for (const spec of faults) {
        const applied = await session.apply(spec);
        if (applied)
          io.out(JSON.stringify({ id: applied.id, kind: applied.target.kind, region: applied.target.region, ...applied.detail }));
      }
      if (session.dryRun) return;
      if (holdMs !== undefined) {
        log(`holding for ${options.hold} (stop conditions watched; Ctrl-C undoes everything)`);
        session.signal.throwIfAborted();
        await session.hold(holdMs);
        log('hold over: undoing every fault of the run');
      } else {
        log(`faults stay applied until: crosswind restore --run ${session.runDir} (or their deadline, chaos.faultDeadline)`);
      }
    },
  );
}

function common(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (default: crosswind.config.ts|yaml|json in the current folder)')
    .option('--dry-run', 'print every change and its undo; call no write API')
    .option('-y, --yes', 'apply without asking (required when stdin is not a terminal: cron, CI, ssh host cmd, a pipe)')
    .option('--hold <duration>', 'keep the faults applied this long (e.g. 30s, 2m) with stop conditions watched, then undo them')
    .option('--run <dir>', 'append to an existing run folder (e.g. the next step of a weight canary)');
}

/** `crosswind chaos ...`: apply a single fault by hand, through the same ledger, guardrails and stop conditions. */
export function register(command: Command, io: CliIo): void {
  const chaos = command;
  common(chaos.command('invert-health-check').description("force a region's Route 53 health check unhealthy"))
    .requiredOption('--region <region>', 'the region to force unhealthy')
    .action((o: CommonOptions & { region: string }) =>
      runFaults([{ spec: { kind: 'invert-health-check', region: o.region }, path: '--region' }], o, io),
    );
  common(chaos.command('shift-weight').description("give a region a share of the weighted record set's traffic (DNS canary)"))
    .requiredOption('--region <region>', 'the region whose share changes')
    .requiredOption(
      '--percent <percent>',
      'its weight after the step, as a percentage of its own, 0-100 (10, 50, 100 for a canary; 0 drains it); the others keep theirs',
    )
    .action((o: CommonOptions & { region: string; percent: string }) =>
      runFaults([{ spec: { kind: 'shift-weight', region: o.region, percent: Number(o.percent) }, path: '--percent' }], o, io),
    );
  common(
    chaos.command('start-experiment').description('start an FIS experiment: a template from chaos.experiments, or an existing one by id'),
  )
    .option('--template <name>', 'experiment template name in chaos.experiments (created, started, deleted on undo)')
    .option('--template-id <id>', 'an existing experiment template id (started, stopped on undo, left in place); needs --region')
    .option('--region <region>', 'the region of --template-id')
    .action((o: CommonOptions & { template?: string; templateId?: string; region?: string }) => {
      const problems: ConfigProblem[] = [];
      if ((o.template === undefined) === (o.templateId === undefined))
        problems.push({ path: '--template', message: 'expected exactly one of --template or --template-id' });
      if (o.templateId !== undefined && o.region === undefined)
        problems.push({ path: '--region', message: 'expected the region of --template-id' });
      if (problems.length) throw new ConfigError(problems);
      const spec: FaultSpec =
        o.templateId !== undefined
          ? { kind: 'fis-experiment', templateId: o.templateId, region: o.region as string }
          : { kind: 'fis-experiment', template: o.template as string };
      return runFaults([{ spec, path: o.templateId !== undefined ? '--region' : '--template' }], o, io);
    });
  common(chaos.command('run').description('apply several faults in order, hold, then undo them newest first'))
    .requiredOption(
      '--fault <spec...>',
      'invert-health-check:<region>, shift-weight:<region>:<percent>, fis-experiment:<template> or fis-experiment:<region>:<template id>; repeat for several',
    )
    .action((o: CommonOptions & { fault: string[] }) =>
      runFaults(
        o.fault.map((f, i) => ({ spec: parseFaultSpec(f), path: `--fault[${i}]` })),
        { ...o, hold: o.hold ?? '0s' },
        io,
      ),
    );
}
