import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { processAlive } from '../../../core/child-process.ts';
import { isListening } from '../../../sandbox/ports.ts';
import { readSandboxState, type SandboxState } from '../../../sandbox/state.ts';
import { BIN, crosswind, userEnv } from '../../support/cli.ts';
import { until } from '../../support/until.ts';

describe('crosswind sandbox up / deploy / down (loopback world)', function () {
  this.timeout(90_000);
  let dir: string;
  let up: ChildProcess | undefined;
  let state: SandboxState | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-sandbox-cli-'));
  });
  after(async () => {
    // If an assertion failed before `down`, end what this test started, by id.
    if (up && up.exitCode === null) up.kill('SIGTERM');
    for (const pid of state ? [state.moto.pid, ...state.regions.map((r) => r.pid)] : [])
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts in the foreground, prints the endpoints, deploys a version, sets faults, and `down` leaves no process and no bound port', async () => {
    const stateFile = join(dir, 'state.json');
    up = spawn(BIN, ['sandbox', 'up', '--world', 'loopback', '--state', stateFile, '--health-interval-ms', '300'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: userEnv(),
    });
    let stdout = '';
    up.stdout?.on('data', (d) => {
      stdout += d;
    });
    up.stderr?.on('data', () => {});
    await until(
      'sandbox up to say it is ready',
      async () => {
        if (up?.exitCode != null) throw new Error(`sandbox up exited with ${up.exitCode}`);
        return stdout.includes('sandbox ready in');
      },
      30_000,
    );
    expect(stdout).to.match(/VANTAGE\s+ENDPOINT\s+NAMESPACE\s+ADDRESS\s+NEAREST/);
    state = await readSandboxState(stateFile);
    expect(state.supervisorPid).to.equal(up.pid);

    const deployed = await crosswind([
      'sandbox',
      'deploy',
      '--region',
      'eu-west-1',
      '--version',
      '2.0.0',
      '--error-rate',
      '0',
      '--state',
      stateFile,
    ]);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const eu = state.regions.find((r) => r.name === 'eu-west-1');
    const version = (await (await fetch(`${eu?.endpoint}/version`)).json()) as { version: string };
    expect(version.version).to.equal('2.0.0');

    const bad = await crosswind(['sandbox', 'deploy', '--region', 'mars-1', '--version', '2', '--error-rate', '7', '--state', stateFile]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--error-rate');

    const use1 = state.regions.find((r) => r.name === 'us-east-1');
    const health = async () => {
      const res = await fetch(`${use1?.endpoint}/health`).catch(() => undefined);
      await res?.arrayBuffer();
      return res?.status ?? 0;
    };
    const faulted = await crosswind(['sandbox', 'fault', '--region', 'us-east-1', '--dependency-down', 'database', '--state', stateFile]);
    expect(faulted.code, faulted.stderr).to.equal(0);
    expect(await health()).to.equal(503);
    const status = await crosswind(['sandbox', 'status', '--state', stateFile]);
    expect(status.code, status.stderr).to.equal(0);
    expect(status.stdout).to.match(/us-east-1\s+\S+ \(\S+: HTTP Status Code 503/);
    expect(status.stdout).to.match(/dependenciesDown=database/);
    expect(status.stdout).to.match(/vantage-eu\s+\S+ -> eu-west-1\.regions\.\S+\s+eu-west-1/);
    const cleared = await crosswind(['sandbox', 'fault', '--region', 'us-east-1', '--clear', '--state', stateFile]);
    expect(cleared.code, cleared.stderr).to.equal(0);
    expect(await health()).to.equal(200);
    const noFault = await crosswind(['sandbox', 'fault', '--region', 'us-east-1', '--dependency-down', 'disk', '--state', stateFile]);
    expect(noFault.code).to.equal(2);
    expect(noFault.stderr).to.include('--dependency-down');

    const pids = [state.supervisorPid, state.moto.pid, ...state.regions.map((r) => r.pid)];
    for (const pid of pids) expect(processAlive(pid), `pid ${pid} before down`).to.equal(true);
    for (const port of state.ports) expect(await isListening(port), `port ${port} before down`).to.equal(true);

    const down = await crosswind(['sandbox', 'down', '--state', stateFile]);
    expect(down.code, down.stderr).to.equal(0);
    for (const pid of pids) expect(processAlive(pid), `pid ${pid} after down`).to.equal(false);
    for (const port of state.ports) expect(await isListening(port), `port ${port} after down`).to.equal(false);
    expect(existsSync(stateFile)).to.equal(false);
  });
});
