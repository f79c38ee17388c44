import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { BIN, crosswind, INSTALLED_PROJECT, userEnv } from '../support/cli.ts';
import { installedCrosswind } from '../support/installed.ts';
import { REPO } from '../support/repo.ts';
import { runCommand } from '../support/run-command.ts';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { license: string; version: string };

/** A folder of the user's inside the installed project: Node and TypeScript find crosswind in its node_modules. */
async function userFolder(): Promise<string> {
  return mkdtemp(join(INSTALLED_PROJECT, 'user-'));
}

describe('crosswind installed from its packed tarball (as users get it)', () => {
  it('runs through the bin link npm made: help prints usage, a missing results file exits 2', async () => {
    // The link is named `crosswind`, not bin.js: a CLI that only runs when argv[1] ends in a file name it expects
    // does nothing here and exits 0.
    const help = await runCommand('npx', ['crosswind', '--help'], { cwd: INSTALLED_PROJECT, env: userEnv() });
    expect(help.code, help.output).to.equal(0);
    expect(help.output, 'usage through npx').to.match(/^Usage: crosswind \[options\] \[command\]/m);
    const missing = await crosswind(['gate', '--results', 'missing.ndjson'], { cwd: INSTALLED_PROJECT });
    expect(missing.code, missing.stderr).to.equal(2);
    expect(missing.stderr, 'the problem names the flag').to.match(/^error: --results: no such file: .*missing\.ndjson$/m);
    expect(BIN, 'the bin link itself is what runs').to.match(/node_modules[\\/]\.bin[\\/]crosswind$/);
  });

  it('on a Node older than it declares, says so and exits 3 before running anything', async () => {
    // npm only warns about "engines"; without the check, an older Node fails far from the cause. The old Node is
    // this one with another version number.
    const pretend = 'Object.defineProperty(process.versions, "node", { value: "18.20.8" });';
    const olderNode = `data:text/javascript;base64,${Buffer.from(pretend).toString('base64')}`;
    const dir = await userFolder();
    try {
      const r = await crosswind(['gate', '--results', 'missing.ndjson', '--json', 'verdict.json'], {
        cwd: dir,
        env: { NODE_OPTIONS: `--import=${olderNode}` },
      });
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stderr.trim()).to.equal(
        'error: crosswind needs Node.js 20.19 or later (this is Node.js 18.20.8): install a current Node.js LTS release',
      );
      expect(r.stdout, 'nothing else ran').to.equal('');
      expect(await readdir(dir), 'nothing written').to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs through its bin link on this machine's own Node 20, the oldest release line it supports", async () => {
    // The machine's Node, not the tests' (a current one the bootstrap installed): the first other `node` on PATH.
    const ours = dirname(process.execPath);
    const dirs = (process.env.PATH ?? '').split(':').filter((d) => d !== '' && d !== ours);
    const node20 = dirs.find(
      (d) => existsSync(join(d, 'node')) && execFileSync(join(d, 'node'), ['--version'], { encoding: 'utf8' }).startsWith('v20.'),
    );
    expect(node20, `a Node 20 on PATH besides the tests' own (${dirs.join(':')})`).to.be.a('string');
    const on20 = { PATH: `${node20}:${process.env.PATH ?? ''}` };
    const help = await crosswind(['--help'], { cwd: INSTALLED_PROJECT, env: on20 });
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.match(/^Usage: crosswind \[options\] \[command\]/m);
    const missing = await crosswind(['gate', '--results', 'missing.ndjson'], { cwd: INSTALLED_PROJECT, env: on20 });
    expect(missing.code, missing.stderr).to.equal(2);
    expect(missing.stderr).to.match(/^error: --results: no such file: .*missing\.ndjson$/m);
    // A gate whose series outgrow their first arrays many times: the same results as on the tests' Node.
    const dir = await userFolder();
    try {
      const lines: string[] = [];
      for (let i = 0; i < 40_000; i++) {
        const tags = { served_by: i % 3 ? 'us-east-1' : 'eu-west-1', vantage: i % 2 ? 'vantage-us' : 'vantage-eu' };
        const time = new Date(Date.UTC(2026, 0, 1) + i * 5).toISOString();
        lines.push(
          JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time, value: 20 + ((i * 7919) % 997) / 10, tags } }),
        );
        lines.push(JSON.stringify({ metric: 'http_req_failed', type: 'Point', data: { time, value: i % 500 === 0 ? 1 : 0, tags } }));
      }
      await writeFile(join(dir, 'points.ndjson'), `${lines.join('\n')}\n`);
      const judged = async (env: NodeJS.ProcessEnv, out: string) => {
        const r = await crosswind(['gate', '--results', 'points.ndjson', '--json', out], { cwd: dir, env });
        return { code: r.code, gates: (JSON.parse(await readFile(join(dir, out), 'utf8')) as { gates: unknown[] }).gates };
      };
      const on20Verdict = await judged(on20, 'node20.json');
      expect(on20Verdict.gates, 'gates judged on Node 20').to.have.length.greaterThan(0);
      expect(on20Verdict).to.deep.equal(await judged({}, 'ours.json'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("ends quietly when its reader goes away (crosswind --help | head -1): no EPIPE stack, the command's own exit code", async () => {
    // The reading end is closed before crosswind writes a byte, so every write of its help meets a closed pipe.
    const child = spawn(BIN, ['--help'], { cwd: INSTALLED_PROJECT, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr, 'nothing on stderr').to.equal('');
    expect(code, 'help exits 0 whoever reads it').to.equal(0);
  });

  it('loads a crosswind.config.ts that imports defineConfig from crosswind, and the types catch a wrong field', async () => {
    const dir = await userFolder();
    try {
      const config = (project: string) =>
        `import { defineConfig } from 'crosswind';\n\nexport default defineConfig({\n  project: ${project},\n  aws: { accountIds: ['123456789012'] },\n  regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],\n  globalEndpoint: 'http://127.0.0.1:2',\n});\n`;
      await writeFile(join(dir, 'crosswind.config.ts'), config("'shop'"));
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        }),
      );
      const typed = await runCommand(process.execPath, [tsc, '-p', dir]);
      expect(typed.code, `tsc: ${typed.output}`).to.equal(0);
      const checked = await crosswind(['config', 'check'], { cwd: dir });
      expect(checked.code, checked.stderr).to.equal(0);
      expect(checked.stderr).to.contain(`${join(dir, 'crosswind.config.ts')}: valid`);
      expect(checked.stdout).to.match(/^project: shop$/m);

      await writeFile(join(dir, 'crosswind.config.ts'), config('42'));
      const wrong = await runCommand(process.execPath, [tsc, '-p', dir]);
      expect(wrong.code, 'tsc rejects a number for project').to.equal(2);
      expect(wrong.output).to.match(/crosswind\.config\.ts\(4,3\): error TS2322/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ships the built code, the k6 sources and a LICENSE of the declared kind; no tests, bench or CI scripts', async () => {
    const { tarball } = await installedCrosswind();
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(files, 'entry points').to.include.members([
      'package.json',
      'LICENSE',
      'README.md',
      'dist/cli/bin.js',
      'dist/config/index.js',
      'dist/config/index.d.ts',
      'dist/synthetics/lib/index.d.ts',
      // The HTML report's script, compiled by the build: the installed package has no TypeScript compiler.
      'dist/validations/reporters/browser/charts.js',
      'synthetics/lib/index.ts',
      'synthetics/scenarios/global-traffic.ts',
    ]);
    const unwanted = files.filter((f) => /^(test|bench|scripts|\.ci|node_modules)\//.test(f) || f.endsWith('.tgz'));
    expect(unwanted, 'files that must not ship').to.deep.equal([]);
    const license = await readFile(join(INSTALLED_PROJECT, 'node_modules', 'crosswind', 'LICENSE'), 'utf8');
    expect(pkg.license, 'package.json').to.equal('Apache-2.0');
    expect(license, 'the LICENSE text').to.match(/Apache License\s+Version 2\.0, January 2004/);
    const version = await crosswind(['--version'], { cwd: INSTALLED_PROJECT });
    expect(version.stdout.trim(), 'the version read from the installed package.json').to.equal(pkg.version);
  });

  it('loads no command for --help, only the config for config check, and no schema for gate without a config', async () => {
    const dir = await userFolder();
    try {
      const loaded = async (args: string[], cwd = REPO, code = 0) => {
        const trace = join(dir, `${args[0]}.trace`);
        await writeFile(trace, '');
        const r = await runCommand(process.execPath, ['--import', join(REPO, 'test/support/module-trace.mjs'), BIN, ...args], {
          cwd,
          env: { MODULE_TRACE: trace, CROSSWIND_CONFIG: '' },
        });
        expect(r.code, r.output).to.equal(code);
        return (await readFile(trace, 'utf8')).split('\n').filter((u) => u.includes('/node_modules/'));
      };
      const help = await loaded(['--help']);
      expect(
        help.filter((u) => /\/dist\/cli\/(bin|main)\.js$/.test(u)),
        'the trace saw the CLI load',
      ).to.have.length(2);
      expect(
        help.filter((u) => /\/dist\/(pipelines|chaos|synthetics|validations|sandbox)\//.test(u)),
        'roles loaded for --help',
      ).to.deep.equal([]);
      expect(
        help.filter((u) => /\/dist\/cli\/commands\/|@aws-sdk|\/zod\/|\/dist\/config\/zod\.js$|\/yaml\//.test(u)),
        'loaded for --help',
      ).to.deep.equal([]);
      const check = await loaded(['config', 'check', '--config', 'examples/minimal.config.yaml']);
      const commands = check.filter((u) => u.includes('/dist/cli/commands/')).map((u) => u.replace(/.*\/commands\//, ''));
      expect(commands, 'command modules loaded').to.deep.equal(['config-check.js']);
      // zod ships bundled into config/zod.js: one module to load, not the package's hundred and fifty.
      expect(
        check.filter((u) => u.endsWith('/dist/config/zod.js')),
        'zod validates the config',
      ).to.have.length(1);
      expect(
        check.filter((u) => u.includes('/node_modules/zod/')),
        'modules of the zod package loaded',
      ).to.deep.equal([]);
      expect(
        check.filter((u) => /@aws-sdk|\/dist\/(pipelines|chaos|synthetics|validations|sandbox)\//.test(u)),
        'loaded for config check',
      ).to.deep.equal([]);
      // Judging k6 output with the default gates needs no schema, no YAML parser and no AWS SDK: start-up is part
      // of every gate's wall time.
      const results = join(dir, 'k6.ndjson');
      const point = (metric: string, value: number) =>
        `{"metric":"${metric}","type":"Point","data":{"time":"2026-11-23T04:00:00.000000Z","value":${value},"tags":{"vantage":"v1"}}}\n`;
      await writeFile(results, point('http_req_duration', 12.5) + point('http_req_failed', 0));
      const gate = await loaded(['gate', '--results', results, '--json', join(dir, 'verdict.json')], dir, 4);
      expect(
        gate.filter((u) => u.endsWith('/dist/validations/read-points.js')),
        'the trace saw the k6 reader load',
      ).to.have.length(1);
      expect(
        gate.filter((u) => /@aws-sdk|\/zod\/|\/yaml\/|\/dist\/config\/(load|schema|gates-schema|zod)\.js$/.test(u)),
        'loaded for gate without a config',
      ).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("validates a config's sections with their own schema modules, loaded only for the sections the config has", async () => {
    const dir = await userFolder();
    try {
      const sections = async (config: Record<string, unknown>) => {
        const file = join(dir, 'crosswind.config.json');
        await writeFile(file, JSON.stringify(config));
        const trace = join(dir, 'check.trace');
        await writeFile(trace, '');
        const r = await runCommand(process.execPath, ['--import', join(REPO, 'test/support/module-trace.mjs'), BIN, 'config', 'check'], {
          cwd: dir,
          env: { MODULE_TRACE: trace, CROSSWIND_CONFIG: '' },
        });
        expect(r.code, r.output).to.equal(0);
        return (await readFile(trace, 'utf8'))
          .split('\n')
          .filter((u) => u.includes('/node_modules/crosswind/dist/config/') && u.endsWith('-schema.js'))
          .map((u) => u.replace(/.*\/config\//, ''))
          .sort();
      };
      const core = {
        project: 'shop',
        aws: { accountIds: ['123456789012'] },
        regions: [{ name: 'us-east-1', endpoint: 'http://127.0.0.1:1' }],
        globalEndpoint: 'http://127.0.0.1:2',
      };
      // Every schema module is one part's: the core alone builds none, not even the runners of vantages it has not.
      expect(await sections(core), 'sections left out').to.deep.equal([]);
      const gates = { checks: [{ kind: 'latency', metric: 'request_duration', percentile: 95, bound: 500 }] };
      expect(await sections({ ...core, gates }), 'a gates section').to.deep.equal(['gates-schema.js']);
      expect(await sections({ ...core, gates, chaos: { minHealthyRegions: 1 } }), 'gates and chaos').to.deep.equal([
        'chaos-schema.js',
        'gates-schema.js',
      ]);
      const vantages = [{ name: 'eu', endpoint: 'http://127.0.0.1:3', runner: 'local' }];
      expect(await sections({ ...core, vantages }), 'vantages').to.deep.equal(['runner-schema.js', 'vantage-schema.js']);
      // A JSON config is read as text: neither a worker thread nor tsx's loader for it.
      expect(
        (await readFile(join(dir, 'check.trace'), 'utf8')).split('\n').filter((u) => u.endsWith('/dist/config/import-config.js')),
        'the module loader for a JSON config',
      ).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 3 saying what to install when no k6 is found, before running anything', async () => {
    const r = await crosswind(
      ['synthetics', 'run', 'global-traffic', '--config', 'examples/minimal.config.yaml', '--run-dir', join(INSTALLED_PROJECT, 'no-run')],
      {
        env: { CROSSWIND_K6: '', PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` },
      },
    );
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.match(/^error: k6 not found on PATH: install k6 v2 \(/m);
    const flag = await crosswind(['synthetics', 'run', 'global-traffic', '--config', 'examples/minimal.config.yaml', '--k6', '/no/k6']);
    expect(flag.code, flag.stderr).to.equal(3);
    expect(flag.stderr).to.match(/^error: k6 from --k6 \(\/no\/k6\) cannot run 'k6 version'/m);
  });

  describe('crosswind/k6 in a user k6 script', () => {
    let server: Server;
    let url: string;
    before(async () => {
      server = createServer((_req, res) => {
        res.setHeader('x-served-by', 'eu-west-1');
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('tags requests with served_by and the VU origin, as crosswind judges them, through a path into node_modules', async () => {
      const k6 = process.env.CROSSWIND_K6;
      expect(k6, 'CROSSWIND_K6 (set from the bootstrapped toolchain)').to.be.a('string');
      const dir = await userFolder();
      try {
        // k6 resolves only relative, absolute and remote paths: the helpers are reached by their path.
        const script = `import { send, tagOrigin } from '../node_modules/crosswind/synthetics/lib/index.ts';
export const options = { iterations: 3, vus: 1 };
export default function (): void {
  tagOrigin({ scenario: 'checkout', vantage: 'office' });
  send('GET', __ENV.TARGET as string, null, { servedBy: [{ header: 'x-served-by' }], timeoutMs: 2000, name: '/' });
}
`;
        await writeFile(join(dir, 'checkout.ts'), script);
        const out = join(dir, 'out.ndjson');
        const ran = await runCommand(k6 as string, ['run', '--quiet', '--no-usage-report', '--out', `json=${out}`, 'checkout.ts'], {
          cwd: dir,
          env: { TARGET: url, K6_NO_USAGE_REPORT: 'true' },
        });
        expect(ran.code, ran.output).to.equal(0);
        const points = (await readFile(out, 'utf8'))
          .split('\n')
          .filter((l) => l.includes('"type":"Point"') && l.includes('"metric":"request_duration"'))
          .map((l) => JSON.parse(l) as { data: { tags: Record<string, string> } });
        expect(points, 'one request_duration point per request').to.have.length(3);
        expect(points[0]?.data.tags).to.include({
          served_by: 'eu-west-1',
          scenario: 'checkout',
          vantage: 'office',
          status: '200',
          name: '/',
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
