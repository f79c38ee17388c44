import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { gateSchema } from '../../../config/gates-schema.ts';
import { judgeRecorded, readRunGates, writeRunGates } from '../../../validations/run-gates.ts';

describe('the gates a run recorded (gates.json)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crosswind-run-gates-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps sources relative to the run folder, so a moved folder (a CI artifact) still finds them', async () => {
    const gates = [gateSchema.parse({ kind: 'error-rate', metric: 'request_failed', bound: 0.01 })];
    await writeRunGates(dir, [{ label: 'us-east-1 traffic', sources: [join(dir, 'k6', 'a.ndjson')], gates }]);
    const written = JSON.parse(await readFile(join(dir, 'gates.json'), 'utf8')) as { judgements: { sources: string[] }[] };
    expect(written.judgements[0]?.sources, 'as written').to.deep.equal(['k6/a.ndjson']);
    const moved = join(dir, '..', 'elsewhere');
    expect(await readRunGates(moved), 'a folder without gates.json').to.equal(undefined);
    const read = await readRunGates(dir);
    expect(read).to.deep.equal([{ label: 'us-east-1 traffic', sources: [join(dir, 'k6', 'a.ndjson')], gates }]);
  });

  it('refuses to judge a record that names no gate: it would prove nothing', async () => {
    const err = await judgeRecorded([{ sources: [], gates: [] }], {}).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).to.equal('gates.json records no gate');
  });
});
