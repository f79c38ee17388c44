import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { lockRun, ownsLock, parseLock, processIdentity, runOwner, STALE_AFTER_MS, startTicksOf } from '../../../chaos/run-lock.ts';

describe('run lock: who owns a run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crosswind-lock-'));
  });

  it('records host, PID, start time and boot, and names its live owner until released', () => {
    const parent = processIdentity(process.ppid);
    expect(parent.startTicks, 'start ticks read from /proc').to.be.a('number');
    expect(parent.bootId, 'boot id read from /proc').to.match(/^[0-9a-f-]{36}$/);
    const release = lockRun(dir, parent);
    expect(runOwner(dir)).to.deep.equal({ host: hostname(), pid: process.ppid });
    release();
    expect(runOwner(dir)).to.equal(undefined);
  });

  it('a dead owner does not count', () => {
    writeFileSync(join(dir, 'ledger.lock'), JSON.stringify({ ...processIdentity(), pid: 2 ** 22 + 12345 }));
    expect(runOwner(dir)).to.equal(undefined);
  });

  it('a reused PID is not the owner: PID 1 alive now, started at another time than the lock says', () => {
    const init = processIdentity(1);
    writeFileSync(join(dir, 'ledger.lock'), JSON.stringify({ ...init, startTicks: (init.startTicks ?? 0) + 4242 }));
    expect(runOwner(dir), 'PID 1 is alive but is another process').to.equal(undefined);
  });

  it('a bare-PID lock (the old format) written before its PID was reused does not count', () => {
    // A container's crosswind wrote "1" and was killed; the restarted container's PID 1 started after the lock was written.
    const file = join(dir, 'ledger.lock');
    writeFileSync(file, '1\n');
    const before = new Date(Date.parse('2001-01-01T00:00:00Z'));
    utimesSync(file, before, before);
    expect(runOwner(dir)).to.equal(undefined);
    expect(parseLock('1\n')).to.deep.equal({ host: hostname(), pid: 1 });
  });

  it('a lock from another boot or another host: boot id, then the heartbeat decide', () => {
    const self = processIdentity();
    const other = { host: self.host, pid: 7, startTicks: 100, bootId: 'another-boot' };
    const current = () => ({ ...other, bootId: self.bootId });
    expect(ownsLock(other, { self, current, ageMs: 0 }), 'rebooted since').to.equal(false);
    const remote = { host: 'runner-17', pid: 7, startTicks: 100, bootId: 'b' };
    expect(ownsLock(remote, { self, current: () => undefined, ageMs: 1000 }), 'touched a second ago').to.equal(true);
    expect(ownsLock(remote, { self, current: () => undefined, ageMs: STALE_AFTER_MS + 1 }), 'no heartbeat').to.equal(false);
    expect(ownsLock(self, { self, current: () => self, ageMs: 0 }), 'this process is not its own foreign owner').to.equal(false);
  });

  it('reads the start time after a command name with spaces and parentheses', () => {
    const stat = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1234567 100';
    expect(startTicksOf(stat)).to.equal(987654);
  });
});
