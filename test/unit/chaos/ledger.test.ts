import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FaultLedger, ledgerFile, openFaults, overdueFaults, parseLedger, readLedger } from '../../../chaos/ledger.ts';
import { faultEvents, type LedgerEntry } from '../../../core/ledger-entry.ts';

const intent = (id: string, at: string, deadline = '2026-11-23T06:00:00.000Z'): LedgerEntry => ({
  kind: 'intent',
  id,
  at,
  fault: { kind: 'invert-health-check', region: 'us-east-1', resources: { healthCheckId: 'hc' } },
  prior: { inverted: false },
  deadline,
});

describe('fault ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosswind-ledger-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one JSON line per entry and reads them back after reopening', () => {
    const l = FaultLedger.open(dir);
    l.append(intent('a', '2026-11-23T05:00:00.000Z'));
    l.append({ kind: 'applied', id: 'a', at: '2026-11-23T05:00:01.000Z', detail: { healthCheckId: 'hc' } });
    l.close();
    const text = readFileSync(ledgerFile(dir), 'utf8');
    expect(text.split('\n')).to.have.length(3);
    const again = FaultLedger.open(dir);
    expect(again.entries.map((e) => e.kind)).to.deep.equal(['intent', 'applied']);
    expect(again.openFaults().map((f) => [f.intent.id, f.applied?.detail])).to.deep.equal([['a', { healthCheckId: 'hc' }]]);
    again.close();
  });

  it('skips a torn last line (a crash mid-write) and starts the next entry on its own line', () => {
    const l = FaultLedger.open(dir);
    l.append(intent('a', '2026-11-23T05:00:00.000Z'));
    l.close();
    appendFileSync(ledgerFile(dir), '{"kind":"applied","id":"a","at":"2026-11');
    expect(readLedger(dir).map((e) => e.kind)).to.deep.equal(['intent']);
    const again = FaultLedger.open(dir);
    again.append({ kind: 'undone', id: 'a', at: '2026-11-23T05:00:02.000Z', reason: 'restore' });
    again.close();
    expect(readLedger(dir).map((e) => e.kind)).to.deep.equal(['intent', 'undone']);
  });

  it('skips and reports damaged lines with their line number, and reads the rest', () => {
    const good = intent('a', '2026-11-23T05:00:00.000Z');
    const text = [
      JSON.stringify(good),
      'not json',
      'null',
      '{"kind":"intent","id":"b","at":"x"}',
      '{"kind":"undone","id":"a","at":"y","reason":"r"}',
      '',
    ].join('\n');
    const read = parseLedger(text, 'runs/x/ledger.jsonl');
    expect(read.entries.map((e) => `${e.kind} ${e.id}`)).to.deep.equal(['intent a', 'undone a']);
    expect(read.damaged).to.deep.equal([
      { file: 'runs/x/ledger.jsonl', line: 2, reason: 'not JSON' },
      { file: 'runs/x/ledger.jsonl', line: 3, reason: 'not a ledger entry (null)' },
      { file: 'runs/x/ledger.jsonl', line: 4, reason: 'intent without its fault and deadline' },
    ]);
    // A damaged last line with its newline was written whole: reported. Without one it is a torn write: skipped.
    expect(parseLedger('{"kind":\n').damaged).to.have.length(1);
    expect(parseLedger(`${JSON.stringify(good)}\n{"kind":`).damaged).to.deep.equal([]);
  });

  it('open faults are intents without undone, in order; failed keeps them open', () => {
    const entries: LedgerEntry[] = [
      intent('a', '2026-11-23T05:00:00.000Z'),
      intent('b', '2026-11-23T05:00:01.000Z'),
      { kind: 'failed', id: 'b', at: '2026-11-23T05:00:02.000Z', error: 'AccessDenied', phase: 'apply' },
      intent('c', '2026-11-23T05:00:03.000Z'),
      { kind: 'undone', id: 'a', at: '2026-11-23T05:00:04.000Z', reason: 'restore' },
    ];
    expect(openFaults(entries).map((f) => [f.intent.id, f.lastError])).to.deep.equal([
      ['b', 'AccessDenied'],
      ['c', undefined],
    ]);
  });

  it('overdue faults are those past their deadline', () => {
    const open = openFaults([
      intent('a', '2026-11-23T05:00:00.000Z', '2026-11-23T05:15:00.000Z'),
      intent('b', '2026-11-23T05:00:00.000Z', '2026-11-23T06:15:00.000Z'),
    ]);
    expect(overdueFaults(open, Date.parse('2026-11-23T05:30:00.000Z')).map((f) => f.intent.id)).to.deep.equal(['a']);
  });

  it('faultEvents carries when and why a fault was undone, ignoring stop entries', () => {
    const events = faultEvents([
      intent('a', '2026-11-23T05:00:00.000Z'),
      { kind: 'applied', id: 'a', at: '2026-11-23T05:00:01.000Z' },
      { kind: 'stop', id: 's', at: '2026-11-23T05:00:05.000Z', source: 'alarm', reason: 'alarm x in ALARM' },
      { kind: 'undone', id: 'a', at: '2026-11-23T05:00:06.000Z', reason: 'stopped: alarm x in ALARM' },
      { kind: 'undone', id: 'a', at: '2026-11-23T05:09:00.000Z', reason: 'restore' },
    ]);
    expect(events).to.deep.equal([
      {
        id: 'a',
        kind: 'invert-health-check',
        region: 'us-east-1',
        appliedAt: Date.parse('2026-11-23T05:00:01.000Z'),
        undoneAt: Date.parse('2026-11-23T05:00:06.000Z'),
        undoneReason: 'stopped: alarm x in ALARM',
      },
    ]);
  });

  it('faultEvents takes t_fault from just before the applying call, not from when the applied line was written', () => {
    const [late, acting, old] = faultEvents([
      intent('a', '2026-11-23T05:00:00.000Z'),
      // Written after a poll saw the experiment running, 2 s after the call that started it.
      {
        kind: 'applied',
        id: 'a',
        at: '2026-11-23T05:00:02.300Z',
        calledAt: '2026-11-23T05:00:00.100Z',
        returnedAt: '2026-11-23T05:00:00.250Z',
      },
      intent('b', '2026-11-23T05:00:10.000Z'),
      {
        kind: 'applied',
        id: 'b',
        at: '2026-11-23T05:00:14.000Z',
        calledAt: '2026-11-23T05:00:10.100Z',
        returnedAt: '2026-11-23T05:00:10.200Z',
        actsAt: '2026-11-23T05:00:13.100Z',
      },
      intent('c', '2026-11-23T05:00:20.000Z'),
      { kind: 'applied', id: 'c', at: '2026-11-23T05:00:20.500Z' },
    ]);
    expect(late, 'the call time, with its return time').to.deep.include({
      appliedAt: Date.parse('2026-11-23T05:00:00.100Z'),
      returnedAt: Date.parse('2026-11-23T05:00:00.250Z'),
    });
    expect(acting?.appliedAt, 'when the fault began to act, where known').to.equal(Date.parse('2026-11-23T05:00:13.100Z'));
    expect(old?.appliedAt, 'a ledger from before call times were recorded').to.equal(Date.parse('2026-11-23T05:00:20.500Z'));
  });
});
