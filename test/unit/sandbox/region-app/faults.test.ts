import { expect } from 'chai';
import { combineFaults, FaultBoard } from '../../../../sandbox/region-app/faults.ts';

describe('region-app faults', () => {
  it('combines fault sources: union of dependencies, added latency, worst error rate, any flag', () => {
    expect(combineFaults([])).to.deep.equal({
      dependenciesDown: [],
      addedLatencyMs: 0,
      errorRate: 0,
      replicationPaused: false,
      stopped: false,
      unreachable: false,
    });
    expect(
      combineFaults([
        { dependenciesDown: ['database'], addedLatencyMs: 100, errorRate: 0.2 },
        { dependenciesDown: ['cache', 'database'], addedLatencyMs: 50, errorRate: 0.1, stopped: true },
        { replicationPaused: true },
      ]),
    ).to.deep.equal({
      dependenciesDown: ['cache', 'database'],
      addedLatencyMs: 150,
      errorRate: 0.2,
      replicationPaused: true,
      stopped: true,
      unreachable: false,
    });
  });

  it('keeps each source apart: removing one leaves the others in force', () => {
    const board = new FaultBoard();
    board.set('fis:e1:a', { addedLatencyMs: 200 });
    board.set('manual', { stopped: true, addedLatencyMs: 50 });
    expect(board.current).to.include({ addedLatencyMs: 250, stopped: true });
    expect(board.remove('manual')).to.include({ addedLatencyMs: 200, stopped: false });
    expect(board.bySource()).to.deep.equal({ 'fis:e1:a': { addedLatencyMs: 200 } });
    expect(board.clear()).to.include({ addedLatencyMs: 0 });
  });
});
