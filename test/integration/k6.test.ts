import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { K6_VERSION, toolchain } from '../../scripts/toolchain.mjs';
import { runCommand } from '../support/run-command.ts';

const fixture = fileURLToPath(new URL('../fixtures/k6/smoke.ts', import.meta.url));
const servedByFixture = fileURLToPath(new URL('../fixtures/k6/served-by.ts', import.meta.url));

/** The serving-region header (or none) and JSON body each path of the test server answers with. */
const SERVED_BY_ANSWERS: Record<string, { header?: string; region?: string; status?: number }> = {
  '/plain': { header: 'us-east-1' },
  '/several': { header: 'eu-west-1, us-east-1' },
  '/leading-comma': { header: ', us-east-1', region: 'us-west-2' },
  '/empty': { header: '', region: 'us-west-2' },
  '/body-only': { region: 'us-west-2' },
  '/neither': {},
  '/unavailable': { header: 'us-east-1', status: 503 },
};

describe('the real k6 binary', function () {
  this.timeout(60_000);
  let server: Server;
  let target: string;
  let hits = 0;

  before(async () => {
    server = createServer((req, res) => {
      const answer = SERVED_BY_ANSWERS[req.url ?? ''];
      if (answer) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.header !== undefined) headers['x-served-by'] = answer.header;
        res.writeHead(answer.status ?? 200, headers).end(JSON.stringify(answer.region ? { region: answer.region } : {}));
        return;
      }
      hits++;
      res.writeHead(req.url === '/hello' ? 200 : 404, { 'content-type': 'text/plain' }).end('hello');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    target = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('is the pinned version', async () => {
    const { code, output } = await runCommand(toolchain().k6, ['version']);
    expect(code).to.equal(0);
    expect(output).to.contain(`k6 ${K6_VERSION}`);
  });

  it('runs a TypeScript script against a loopback server and writes NDJSON points', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-k6-'));
    const out = join(dir, 'points.ndjson');
    const { code, output } = await runCommand(toolchain().k6, ['run', '--quiet', '--no-usage-report', '--out', `json=${out}`, fixture], {
      env: { TARGET: target },
    });
    expect(code, output).to.equal(0);
    expect(hits).to.equal(5);
    const lines = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; metric: string; data: { value: number; tags?: Record<string, string> } });
    const durations = lines.filter((l) => l.type === 'Point' && l.metric === 'http_req_duration');
    expect(durations).to.have.length(5);
    for (const p of durations) {
      expect(p.data.tags).to.include({ vantage: 'test', status: '200', method: 'GET', expected_response: 'true' });
      expect(p.data.value).to.be.a('number').and.be.greaterThan(0);
    }
    expect(lines.some((l) => l.type === 'Metric' && l.metric === 'http_req_duration')).to.equal(true);
    const checks = lines.filter((l) => l.type === 'Point' && l.metric === 'checks');
    expect(checks.map((c) => c.data.value)).to.deep.equal([1, 1, 1, 1, 1]);
  });

  it('reads the serving region by its rules on every form of the header, through both request paths scenarios use', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crosswind-k6-'));
    const out = join(dir, 'points.ndjson');
    const { code, output } = await runCommand(
      toolchain().k6,
      ['run', '--quiet', '--no-usage-report', '--out', `json=${out}`, servedByFixture],
      {
        env: { TARGET: target },
      },
    );
    expect(code, output).to.equal(0);
    // Per `name` tag, what each request recorded: its serving region, its status and whether it failed.
    const seen: Record<string, string[]> = {};
    const failed: Record<string, string[]> = {};
    for (const line of (await readFile(out, 'utf8')).trim().split('\n')) {
      const l = JSON.parse(line) as { type: string; metric: string; data: { value: number; tags?: Record<string, string> } };
      if (l.type !== 'Point' || (l.metric !== 'request_duration' && l.metric !== 'request_failed')) continue;
      const tags = l.data.tags ?? {};
      const name = tags.name ?? '';
      if (l.metric === 'request_duration') seen[name] = [...(seen[name] ?? []), tags.served_by ?? '(none)'];
      else failed[name] = [...(failed[name] ?? []), `${tags.served_by} ${tags.status} ${tags.method} ${l.data.value}`];
    }
    await rm(dir, { recursive: true, force: true });
    // The first value of a header; a header with none (empty, or a comma first) falls to the next rule, the body.
    const byBoth = {
      plain: 'us-east-1',
      several: 'eu-west-1',
      'leading-comma': 'us-west-2',
      empty: 'us-west-2',
      'body-only': 'us-west-2',
      neither: 'unknown',
      unavailable: 'us-east-1',
    };
    // With the header rule alone, whatever the header does not name is unknown.
    const byHeader = { ...byBoth, 'leading-comma': 'unknown', empty: 'unknown', 'body-only': 'unknown' };
    const expected: Record<string, string[]> = {};
    for (const [path, region] of Object.entries(byBoth)) expected[path] = [region, region];
    for (const [path, region] of Object.entries(byHeader)) {
      expected[`${path}:sent`] = [region];
      expected[`${path}:repeated`] = [region, region];
    }
    expect(seen).to.deep.equal(expected);
    // The repeated path records what `send` records: the same tags, and a failure for the 503 only.
    for (const [path, region] of Object.entries(byHeader)) {
      const one = `${region} ${path === 'unavailable' ? '503' : '200'} GET ${path === 'unavailable' ? 1 : 0}`;
      expect(failed[`${path}:sent`], path).to.deep.equal([one]);
      expect(failed[`${path}:repeated`], path).to.deep.equal([one, one]);
    }
  });
});
