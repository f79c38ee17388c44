import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { LeaseBusyError, localLease } from '../../../chaos/lease.ts';

const HOLDER = fileURLToPath(new URL('../../fixtures/chaos/hold-lease.ts', import.meta.url));

describe('the local guardrail lease', function () {
  this.timeout(20_000);
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'crosswind-lease-'));
  });

  it('one holder at a time: a second operator waits until the first releases', async () => {
    const order: string[] = [];
    const first = await localLease(root, 5000).acquire();
    const second = localLease(root, 5000)
      .acquire()
      .then((held) => {
        order.push('second acquired');
        return held;
      });
    await new Promise((r) => setTimeout(r, 200));
    order.push('first releasing');
    await first.release();
    await (await second).release();
    expect(order).to.deep.equal(['first releasing', 'second acquired']);
  });

  it('gives up with LeaseBusyError after the wait, and other folders have leases of their own', async () => {
    const held = await localLease(root, 5000).acquire();
    const err = await localLease(root, 300)
      .acquire()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(LeaseBusyError);
    const elsewhere = await localLease(mkdtempSync(join(tmpdir(), 'crosswind-lease-')), 300).acquire();
    await elsewhere.release();
    await held.release();
  });

  it('a holder killed with SIGKILL leaves no stale lock: the kernel frees the lease at once', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', HOLDER, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.on('data', (d) => String(d).includes('held') && resolve()));
    expect(
      await localLease(root, 200)
        .acquire()
        .catch((e: unknown) => e),
      'held by the other process',
    ).to.be.instanceOf(LeaseBusyError);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const held = await localLease(root, 1000).acquire();
    await held.release();
  });
});
