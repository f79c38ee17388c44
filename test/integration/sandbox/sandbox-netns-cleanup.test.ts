import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { processAlive } from '../../../core/child-process.ts';
import { NETNS_ETC } from '../../../sandbox/netns.ts';
import { readSandboxState, type SandboxState } from '../../../sandbox/state.ts';
import { BIN, crosswind, userEnv } from '../../support/cli.ts';
import { namespaces } from '../../support/netns.ts';
import { until } from '../../support/until.ts';

/** `crosswind sandbox up` in the foreground; resolves once it printed that it is ready. */
async function up(stateFile: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(BIN, ['sandbox', 'up', '--world', 'netns', '--state', stateFile, '--health-interval-ms', '300'], {
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const ready = async () => {
    if (child.exitCode !== null) throw new Error(`sandbox up exited with ${child.exitCode}:\n${output}`);
    return output.includes('sandbox ready in');
  };
  await until('sandbox up to say it is ready', ready, 40_000).catch((err: Error) => {
    throw new Error(`${err.message}:\n${output}`);
  });
  return { child, output: () => output };
}

describe('crosswind sandbox (namespace world): nothing left behind, even by a killed sandbox', function () {
  this.timeout(120_000);
  let dir: string;
  const started: ChildProcess[] = [];
  const states: SandboxState[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-netns-cli-'));
  });
  after(async () => {
    // End what this test started, by id, if an assertion stopped it early (moto does not watch its parent).
    for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
    for (const s of states)
      for (const pid of [s.moto.pid, ...s.regions.map((r) => r.pid)]) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('a SIGKILLed sandbox leaves its namespaces; the next `up` removes them, and `down` leaves none', async () => {
    const stateFile = join(dir, 'state.json');
    const first = await up(stateFile);
    started.push(first.child);
    const state = await readSandboxState(stateFile);
    states.push(state);
    const prefix = `cw${state.network?.id}`;
    expect(first.output()).to.match(/world: network namespaces/);
    expect(
      (await namespaces()).filter((n) => n.startsWith(prefix)),
      'made at up',
    ).to.have.length(state.network?.namespaces.length ?? -1);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect((await namespaces()).filter((n) => n.startsWith(prefix)).length, 'a killed supervisor cannot clean up').to.be.greaterThan(0);
    process.kill(state.moto.pid, 'SIGKILL');

    const second = await up(stateFile);
    started.push(second.child);
    states.push(await readSandboxState(stateFile));
    expect(second.output()).to.match(/removed \d+ namespaces an earlier sandbox left/);

    const down = await crosswind(['sandbox', 'down', '--state', stateFile]);
    expect(down.code, down.stderr).to.equal(0);
    expect(
      (await namespaces()).filter((n) => n.startsWith(prefix)),
      'after down',
    ).to.deep.equal([]);
    for (const n of state.network?.namespaces ?? []) expect(existsSync(join(NETNS_ETC, n)), `${NETNS_ETC}/${n}`).to.equal(false);
  });

  it('`down` removes the namespaces of a sandbox whose supervisor was killed', async () => {
    const stateFile = join(dir, 'killed.json');
    const sandbox = await up(stateFile);
    started.push(sandbox.child);
    const state = await readSandboxState(stateFile);
    states.push(state);
    sandbox.child.kill('SIGKILL');
    await new Promise((resolve) => sandbox.child.once('exit', resolve));
    const down = await crosswind(['sandbox', 'down', '--state', stateFile]);
    expect(down.code, down.stderr).to.equal(0);
    expect(down.stderr).to.match(/namespaces left by the supervisor removed/);
    expect((await namespaces()).filter((n) => n.startsWith(`cw${state.network?.id}`))).to.deep.equal([]);
  });
});
