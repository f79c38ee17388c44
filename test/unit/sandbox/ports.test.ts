import { createServer } from 'node:net';
import { expect } from 'chai';
import { ephemeralRangeStart, freePort, isAddressInUse } from '../../../sandbox/ports.ts';

describe('free loopback ports', () => {
  it('hands out bindable ports below the ephemeral range, never the same one twice', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).to.equal(50);
    for (const port of ports) {
      expect(port).to.be.at.least(20_000);
      expect(port).to.be.below(ephemeralRangeStart());
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('tells a taken port from other failures, by code or by the message a child process printed', () => {
    expect(
      isAddressInUse(Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:4000'), { code: 'EADDRINUSE' })),
      'the EADDRINUSE code',
    ).to.equal(true);
    expect(
      isAddressInUse(new Error('region app us-east-1 exited with 1 before it was ready:\nError: listen EADDRINUSE')),
      'EADDRINUSE in the output of a child that exited',
    ).to.equal(true);
    expect(
      isAddressInUse(new Error('moto_server exited with 1 before answering:\nOSError: [Errno 98] Address already in use')),
      "Python's errno 98 in moto's output",
    ).to.equal(true);
    expect(
      isAddressInUse(new Error('moto_server exited with 1 before answering:\nImportError')),
      'another exit is no port conflict',
    ).to.equal(false);
    expect(isAddressInUse(undefined), 'no error, no conflict').to.equal(false);
  });
});
