import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { endpointsAt } from '../support/aws.ts';
import { type CliResult, crosswind } from '../support/cli.ts';
import { type FakeWorld, startFakeWorld } from '../support/fake-world.ts';
import { useMoto } from '../support/moto.ts';
import { SHORT_ROLLOUT } from '../support/short-rollout.ts';

// Fake credentials shaped like AWS's: one set in the environment, another in the config. Every output of a failing
// run (stdout, stderr, every file of its run folder) is searched for each of them, and for any 12 characters of them.
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIAENVF4KEEXAMPLE11',
  AWS_SECRET_ACCESS_KEY: 'envS3cretKeyExampleFakeFakeFake0123456789',
  AWS_SESSION_TOKEN: `FwoGZXIvYXdzEnvToken${'Qm9vZ2llV29vZ2ll'.repeat(8)}`,
  DEPLOY_API_TOKEN: 'deploy-token-3f9a7c2e51b8',
};
const CONFIG_CREDENTIALS = {
  accessKeyId: 'AKIACONF1GEXAMPLE222',
  secretAccessKey: 'cfgS3cretKeyExampleFakeFakeFake987654321x',
  sessionToken: `IQoJb3JpZ2luX2VjConfigToken${'WmFwcGFEb29kbGU'.repeat(8)}`,
};
const SECRETS = [...Object.values(ENV), ...Object.values(CONFIG_CREDENTIALS)];

/** Every 12-character piece of every secret found in `text`, with where it was found. */
function leaks(where: string, text: string): string[] {
  const found: string[] = [];
  for (const secret of SECRETS) {
    for (let i = 0; i + 12 <= secret.length; i += 4) {
      if (text.includes(secret.slice(i, i + 12))) {
        found.push(`${where}: ${secret.slice(0, 8)}... (at ${i})`);
        break;
      }
    }
  }
  return found;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Leaks in a run's stdout, stderr and every file under the project's `.crosswind`. */
async function allLeaks(r: CliResult, project: string): Promise<{ leaks: string[]; files: number }> {
  const files = await filesUnder(join(project, '.crosswind'));
  const found = [...leaks('stdout', r.stdout), ...leaks('stderr', r.stderr)];
  for (const f of files) found.push(...leaks(f, await readFile(f, 'utf8')));
  return { leaks: found, files: files.length };
}

describe('no secret in any output of a failing run (fake credentials in the environment and the config)', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let dir: string;
  // The rollout judges each region's steady state before its deploy hook runs: two small regions answer it.
  let world: FakeWorld;
  before(async () => {
    world = await startFakeWorld({ regions: ['us-east-1', 'eu-west-1'], preferences: { 'vantage-us': ['us-east-1', 'eu-west-1'] } });
    dir = await mkdtemp(join(tmpdir(), 'crosswind-secrets-'));
  });
  after(async () => {
    await world?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (endpoint: string, extra: Record<string, unknown> = {}) => ({
    project: 'shop',
    aws: {
      accountIds: ['123456789012'],
      credentials: CONFIG_CREDENTIALS,
      endpoints: endpointsAt(endpoint),
    },
    regions: [
      { name: 'us-east-1', endpoint: 'http://127.0.0.1:9', healthCheckId: 'hc-use1' },
      { name: 'eu-west-1', endpoint: 'http://127.0.0.1:9', healthCheckId: 'hc-euw1' },
    ],
    globalEndpoint: 'http://127.0.0.1:9',
    chaos: { switch: { roleArn: 'arn:aws:iam::123456789012:role/crosswind-switch' } },
    ...extra,
  });

  it('a rollout whose hooks print the environment and fail: rolled back, and not one secret in its outputs', async () => {
    const project = join(dir, 'rollout');
    await mkdir(project);
    // The hooks print every credential they can see, then the deploy fails: its last lines go into the reasons of
    // run.json, verdict.json, junit.xml, summary.md and report.html.
    const echo = 'echo "key $AWS_ACCESS_KEY_ID secret $AWS_SECRET_ACCESS_KEY token $AWS_SESSION_TOKEN deploy $DEPLOY_API_TOKEN"; env';
    await writeFile(
      join(project, 'crosswind.config.json'),
      JSON.stringify(
        config(moto.url, {
          regions: world.regions.map((r) => ({ name: r.name, endpoint: r.endpoint })),
          globalEndpoint: undefined,
          vantages: world.vantages,
          rollout: { ...SHORT_ROLLOUT, hooks: { deploy: `${echo}; exit 1`, rollback: echo } },
        }),
      ),
    );
    const r = await crosswind(['rollout', '--version', '2.0.0', '--previous-version', '1.0.0', '--yes'], { cwd: project, env: ENV });
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr, 'the hook output is shown, masked').to.contain('key [redacted] secret [redacted] token [redacted]');
    const { leaks: found, files } = await allLeaks(r, project);
    expect(files, 'the run folder has its reports and ledger').to.be.at.least(5);
    expect(found).to.deep.equal([]);
  });

  it('AWS errors that echo the request’s credentials: the key id and token never reach the terminal or the ledger', async () => {
    const project = join(dir, 'aws-error');
    await mkdir(project);
    // An endpoint that refuses every call, echoing the Authorization and security token headers in its message, as
    // AWS's SignatureDoesNotMatch and some proxies do.
    const echoing = createServer((req, res) => {
      const message = `Credential ${req.headers.authorization} token ${req.headers['x-amz-security-token']}`;
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>${message}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
      );
    });
    await new Promise<void>((resolve) => echoing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (echoing.address() as { port: number }).port;
      await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(config(`http://127.0.0.1:${port}`)));
      const r = await crosswind(['chaos', 'invert-health-check', '--region', 'us-east-1', '--yes'], { cwd: project, env: ENV });
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stderr, 'the error is shown').to.match(/error: AWS denied \S+/);
      expect(r.stderr, 'with the credentials masked').to.contain('[redacted]');
      expect((await allLeaks(r, project)).leaks).to.deep.equal([]);
    } finally {
      await new Promise<void>((resolve) => echoing.close(() => resolve()));
    }
  });

  it('config check with credentials in the wrong shape: exit 2, and not a character of them', async () => {
    const project = join(dir, 'check');
    await mkdir(project);
    const bad = config(moto.url);
    await writeFile(
      join(project, 'crosswind.config.json'),
      JSON.stringify({
        ...bad,
        aws: { ...bad.aws, credentials: `${CONFIG_CREDENTIALS.accessKeyId}:${CONFIG_CREDENTIALS.secretAccessKey}` },
        globalEndpoint: ENV.AWS_SECRET_ACCESS_KEY,
      }),
    );
    const r = await crosswind(['config', 'check'], { cwd: project, env: ENV });
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.contain('aws.credentials: expected object, got a string (not shown: it may be a secret)');
    expect((await allLeaks(r, project)).leaks).to.deep.equal([]);
  });

  it('config check of a valid config prints it with every secret redacted', async () => {
    const project = join(dir, 'valid');
    await mkdir(project);
    await writeFile(join(project, 'crosswind.config.json'), JSON.stringify(config(moto.url)));
    const r = await crosswind(['config', 'check'], { cwd: project, env: ENV });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('credentials: "[redacted]"');
    expect((await allLeaks(r, project)).leaks).to.deep.equal([]);
  });
});
