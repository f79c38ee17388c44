import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createRunFolder, listRunFolders, parseRunFolderName, runFolderName } from '../../../chaos/run-folder.ts';

describe('run folders', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'crosswind-runs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('names a run <YYYYMMDD-HHMMSS>-<mode> in UTC', () => {
    expect(runFolderName('gameday', new Date('2026-11-23T04:49:05.123Z'))).to.equal('20261123-044905-gameday');
    expect(parseRunFolderName('20261123-044905-gameday')).to.deep.equal({ mode: 'gameday', startedAt: new Date('2026-11-23T04:49:05Z') });
    expect(parseRunFolderName('20261123-044905-chaos-2')?.mode).to.equal('chaos');
    expect(parseRunFolderName('notes')).to.equal(undefined);
  });

  it('two runs in the same second get distinct folders; listing is oldest first and ignores strangers', () => {
    const now = new Date('2026-11-23T04:49:05Z');
    const a = createRunFolder({ root, mode: 'chaos', now });
    const b = createRunFolder({ root, mode: 'chaos', now });
    const c = createRunFolder({ root, mode: 'gameday', now: new Date('2026-11-23T05:00:00Z') });
    mkdirSync(join(root, '.crosswind', 'runs', 'scratch'));
    expect([a.name, b.name]).to.deep.equal(['20261123-044905-chaos', '20261123-044905-chaos-2']);
    expect(listRunFolders(root).map((r) => r.name)).to.deep.equal([a.name, b.name, c.name]);
    expect(listRunFolders(join(root, 'nowhere'))).to.deep.equal([]);
  });
});
