import { expect } from 'chai';
import { ntpReply, ntpRequest, ntpSample, readNtpTime, writeNtpTime } from '../../../core/ntp.ts';

describe('SNTP packets', () => {
  it('round-trips a time through the NTP timestamp to well under a millisecond', () => {
    const buf = Buffer.alloc(8);
    for (const ms of [0, 1_796_030_741_457.25, Date.UTC(2036, 1, 7)]) {
      writeNtpTime(buf, 0, ms);
      expect(readNtpTime(buf, 0)).to.be.closeTo(ms, 0.001);
    }
  });

  it('measures a server 2.5 s ahead over a 40 ms round trip: offset 2500 ms, delay 40 ms', () => {
    const sent = 1_796_030_741_000;
    const request = ntpRequest(sent);
    // The server's clock is 2500 ms ahead; the request takes 20 ms each way and 1 ms inside the server.
    const reply = ntpReply(request, sent + 20 + 2500, sent + 21 + 2500) as Buffer;
    const sample = ntpSample(reply, sent, sent + 41);
    expect(sample?.offsetMs).to.be.closeTo(2500, 0.01);
    expect(sample?.delayMs).to.be.closeTo(40, 0.01);
  });

  it('answers only client requests, and accepts only the answer to its own request', () => {
    const request = ntpRequest(1000);
    const reply = ntpReply(request, 2000, 2001) as Buffer;
    expect(ntpReply(reply, 3000, 3000), 'a server answer is no request').to.equal(undefined);
    expect(ntpSample(request, 1000, 1010), 'a request is no answer').to.equal(undefined);
    expect(ntpSample(reply, 5000, 5010), 'the answer to another request').to.equal(undefined);
  });
});
