import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { K6_VERSION, toolchain } from '../../scripts/toolchain.mjs';
import { runCommand } from '../support/run-command.ts';

const fixture = fileURLToPath(new URL('../fixtures/k6/smoke.ts', import.meta.url));

describe('the real k6 binary', function () {
  this.timeout(60_000);
  let server: Server;
  let target: string;
  let hits = 0;

  before(async () => {
    server = createServer((req, res) => {
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
});
