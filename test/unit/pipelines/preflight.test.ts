import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { AwsResolver } from '../../../chaos/resolve.ts';
import { resolveConfig } from '../../../config/resolve.ts';
import { ConfigError } from '../../../core/errors.ts';
import { buildGamedayPlan } from '../../../pipelines/gameday-plan.ts';
import { closest, gamedayNeeds, hookProgram, preflight, rolloutNeeds } from '../../../pipelines/preflight.ts';
import { buildRolloutPlan } from '../../../pipelines/rollout-plan.ts';
import { TWO_REGIONS } from '../../support/two-regions.ts';

const base = {
  ...TWO_REGIONS,
  chaos: {
    stopConditions: { alarms: ['shop-errors', { name: 'eu-errors', region: 'eu-west-1' }] },
    weightedRecords: { hostedZoneId: 'Z1', name: 'api.example.com' },
    experiments: {
      latency: {
        region: 'eu-west-1',
        roleArn: 'arn:aws:iam::123456789012:role/fis',
        actions: { wait: { actionId: 'aws:fis:wait', duration: '1m' } },
        stopConditionAlarms: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:fis-stop'],
      },
    },
  },
};

/** An account holding exactly these resources; counts what it was asked. */
function account(has: { healthChecks?: string[]; templates?: string[]; alarms?: string[]; records?: string[] }) {
  const asked: string[] = [];
  const resolver: AwsResolver = {
    async healthCheckExists(id) {
      asked.push(`health-check ${id}`);
      return (has.healthChecks ?? []).includes(id);
    },
    async experimentTemplateExists(region, id) {
      asked.push(`template ${id} ${region}`);
      return (has.templates ?? []).includes(id);
    },
    async alarmsFound(region, names) {
      asked.push(`alarms ${region} ${names.join(',')}`);
      return new Set(names.filter((n) => (has.alarms ?? []).includes(`${region}/${n}`)));
    },
    async weightedSetIdentifiers() {
      asked.push('records');
      return new Set(has.records ?? []);
    },
  };
  return { resolver, asked };
}

const everything = {
  healthChecks: ['hc-use1', 'hc-euw1'],
  templates: ['EXT1'],
  alarms: ['us-east-1/shop-errors', 'eu-west-1/eu-errors', 'eu-west-1/fis-stop'],
  records: ['use1', 'euw1'],
};

async function refusal(p: Promise<void>): Promise<string[]> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'preflight refuses').to.be.instanceOf(ConfigError);
  return (err as ConfigError).problems.map((x) => (x.path ? `${x.path}: ${x.message}` : x.message));
}

const host = { cwd: '/', env: { PATH: '/usr/bin:/bin' } };

describe('preflight: everything a drill or rollout touches is resolved before the first change', () => {
  const drill = (faults: unknown[]) => {
    const config = resolveConfig({ ...base, gameday: { phases: [{ kind: 'inject', faults }, { kind: 'restore' }] } });
    return { config, needs: gamedayNeeds(config, buildGamedayPlan(config.gameday, ['us-east-1', 'eu-west-1'])) };
  };

  it('a game day whose second fault names a template that does not exist is refused whole, naming the fault', async () => {
    const { config, needs } = drill([{ kind: 'invert-health-check' }, { kind: 'fis-experiment', template: 'latncy' }]);
    const { resolver } = account(everything);
    expect(await refusal(preflight(config, needs, resolver, host))).to.deep.equal([
      'gameday.phases[0].faults[1].template: "latncy" is neither a template in chaos.experiments nor an FIS experiment template id in us-east-1 (did you mean "latency"?)',
      'preflight: 1 missing piece(s); nothing was changed',
    ]);
  });

  it('names every missing piece at once: health checks, templates, stop alarms, the alarms of a template', async () => {
    const { config, needs } = drill([
      { kind: 'invert-health-check' },
      { kind: 'fis-experiment', template: 'latency' },
      { kind: 'fis-experiment', template: 'EXT9', region: 'eu-west-1' },
    ]);
    const { resolver, asked } = account({ healthChecks: ['hc-use1'], alarms: ['us-east-1/shop-errors'] });
    expect(await refusal(preflight(config, needs, resolver, host))).to.deep.equal([
      'regions[1].healthCheckId: Route 53 has no health check "hc-euw1"',
      'gameday.phases[0].faults[2].template: "EXT9" is neither a template in chaos.experiments nor an FIS experiment template id in eu-west-1',
      'chaos.stopConditions.alarms[1]: no CloudWatch alarm "eu-errors" in eu-west-1',
      'chaos.experiments.latency.stopConditionAlarms[0]: no CloudWatch alarm "fis-stop" in eu-west-1',
      'preflight: 4 missing piece(s); nothing was changed',
    ]);
    expect(
      asked.filter((a) => a.startsWith('alarms')),
      'alarms read once per region',
    ).to.deep.equal(['alarms us-east-1 shop-errors', 'alarms eu-west-1 eu-errors,fis-stop']);
  });

  it('passes when everything is there, and refuses a forced region without a health check id before asking AWS', async () => {
    const ok = drill([{ kind: 'invert-health-check' }, { kind: 'fis-experiment', template: 'EXT1', region: 'eu-west-1' }]);
    await preflight(ok.config, ok.needs, account(everything).resolver, host);
    const config = resolveConfig({
      ...base,
      regions: [{ ...base.regions[0], healthCheckId: undefined }, base.regions[1]],
      gameday: { phases: [{ kind: 'inject', faults: [{ kind: 'invert-health-check' }] }, { kind: 'restore' }] },
    });
    const needs = gamedayNeeds(config, buildGamedayPlan(config.gameday, ['us-east-1', 'eu-west-1']));
    expect(needs.problems).to.deep.equal([
      { path: 'regions[0].healthCheckId', message: "required by gameday.phases[0].faults[0] (forcing us-east-1's health check)" },
    ]);
  });

  describe('rollout', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'crosswind-preflight-'));
      await writeFile(join(dir, 'deploy.sh'), '#!/bin/sh\nexit 0\n');
      await chmod(join(dir, 'deploy.sh'), 0o755);
      await writeFile(join(dir, 'rollback.sh'), '#!/bin/sh\nexit 0\n');
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const rollout = (over: Record<string, unknown>) => {
      const config = resolveConfig({ ...base, rollout: over });
      return { config, needs: rolloutNeeds(config, buildRolloutPlan(['us-east-1', 'eu-west-1'], config.rollout, '2.0.0')) };
    };

    it('checks the hooks’ programs: a missing or not executable script, a command not on PATH', async () => {
      const { config, needs } = rollout({ hooks: { deploy: 'DRY=0 ./rollback.sh "$REGION"', rollback: 'kubctl rollout undo' } });
      expect(
        await refusal(preflight(config, needs, account(everything).resolver, { cwd: dir, env: { PATH: '/usr/bin:/bin' } })),
      ).to.deep.equal([
        `rollout.hooks.deploy: "./rollback.sh" (${join(dir, 'rollback.sh')}) is not executable (chmod +x ./rollback.sh)`,
        'rollout.hooks.rollback: "kubctl" is not a command on PATH (/usr/bin:/bin)',
        'preflight: 2 missing piece(s); nothing was changed',
      ]);
      const good = rollout({ hooks: { deploy: './deploy.sh "$REGION" "$VERSION"', rollback: 'sh ./rollback.sh; echo done' } });
      await preflight(good.config, good.needs, account(everything).resolver, { cwd: dir, env: { PATH: '/usr/bin:/bin' } });
      const gone = rollout({ hooks: { deploy: './nope.sh' } });
      expect((await refusal(preflight(gone.config, gone.needs, account(everything).resolver, { cwd: dir, env: {} })))[0]).to.equal(
        `rollout.hooks.deploy: "./nope.sh" does not exist (${join(dir, 'nope.sh')})`,
      );
    });

    it('checks the weighted records of a DNS canary, the health checks and the stop alarms', async () => {
      const { config, needs } = rollout({ weightSteps: [10, 100] });
      const { resolver } = account({ ...everything, records: ['use1'] });
      expect(await refusal(preflight(config, needs, resolver, host))).to.deep.equal([
        'regions[1].setIdentifier: no weighted A record api.example.com with SetIdentifier "euw1" in hosted zone Z1',
        'preflight: 1 missing piece(s); nothing was changed',
      ]);
    });
  });

  it('reads a hook’s program as the shell would start it, or leaves it to the shell', () => {
    expect(hookProgram('./deploy.sh "$REGION"')).to.equal('./deploy.sh');
    expect(hookProgram('A=1 B=two kubectl apply -f x')).to.equal('kubectl');
    expect(hookProgram('crosswind sandbox deploy --region "$REGION"')).to.equal('crosswind');
    expect(hookProgram('deploy.sh;echo')).to.equal('deploy.sh');
    for (const shell of ['echo hi', 'cd /srv && make', '"$DEPLOY" x', 'if true; then :; fi', '(cd x; make)', '$HOME/bin/x']) {
      expect(hookProgram(shell), shell).to.equal(undefined);
    }
  });

  it('suggests the name a typo meant', () => {
    expect(closest('latncy', ['latency', 'stop-tasks'])).to.equal('latency');
    expect(closest('zzz', ['latency'])).to.equal(undefined);
  });
});
