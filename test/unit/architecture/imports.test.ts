import { expect } from 'chai';
import { backwardImports, type ImportEdge, importEdges } from '../../support/imports.ts';

// Folder dependencies point one way: cli → pipelines → (synthetics, chaos, validations) → core → config.
// The sandbox (the local world) is imported only by the sandbox command; scripts, bench and tests may import anything.

/** Known backward imports still being removed; each entry names the issue that removes it. Shrinks, never grows. */
const PENDING: ReadonlyArray<{ from: string; to: string }> = [];

describe('folder dependencies', () => {
  const edges = importEdges();

  it('reads the import lines of every product file', () => {
    // A reader that finds nothing would let every rule pass: make sure it saw the tree.
    expect(edges.length, 'import edges found between product files').to.be.greaterThan(200);
    expect(new Set(edges.map((e) => e.from.split('/')[0])), 'folders with imports').to.include.members(['cli', 'pipelines', 'chaos']);
  });

  it('point one way, apart from the pending list', () => {
    const pending = (e: ImportEdge) => PENDING.some((p) => p.from === e.from && p.to === e.to);
    const backward = backwardImports(edges).filter((e) => !pending(e));
    expect(
      backward.map((e) => `${e.from} → ${e.to}: ${e.why}`),
      'backward imports',
    ).to.deep.equal([]);
  });

  it('has no stale entry in the pending list', () => {
    const stale = PENDING.filter((p) => !edges.some((e) => e.from === p.from && e.to === p.to));
    expect(stale, 'pending entries whose import is gone: remove them').to.deep.equal([]);
  });

  it('flags a planted backward import', () => {
    const planted: ImportEdge[] = [
      { from: 'config/schema.ts', to: 'core/errors.ts' },
      { from: 'validations/judge.ts', to: 'chaos/ledger.ts' },
      { from: 'pipelines/gameday.ts', to: 'cli/main.ts' },
      { from: 'chaos/session.ts', to: 'sandbox/state.ts' },
      { from: 'core/io.ts', to: 'validations/series.ts' },
    ];
    expect(backwardImports(planted).map((e) => e.from)).to.deep.equal(planted.map((e) => e.from));
    expect(backwardImports([{ from: 'cli/commands/sandbox.ts', to: 'sandbox/state.ts' }])).to.deep.equal([]);
    expect(backwardImports([{ from: 'chaos/session.ts', to: 'core/errors.ts' }])).to.deep.equal([]);
  });
});
