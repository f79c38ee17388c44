import { expect } from 'chai';
import { type LeaseClaim, s3Lease } from '../../../chaos/lease.ts';
import { getJson, putJson, WriteConflict } from '../../../chaos/s3-object.ts';
import { motoClients } from '../../support/aws.ts';
import { createChaosWorld, STATE_BUCKET } from '../../support/chaos-world.ts';
import { useMoto } from '../../support/moto.ts';
import { type RecordedCall, startRecordingProxy } from '../../support/recording-proxy.ts';

// The guardrail lease rests on S3's conditional writes. moto 5.2.5 (the pinned one), as the sandbox runs it (one
// request at a time, as atomic as AWS), is checked here for exactly the ones the lease uses, so a moto that stopped
// honouring them fails this test rather than the lease silently.
describe('S3 conditional writes as moto 5.2.5 serves them (what the S3 lease relies on)', function () {
  this.timeout(60_000);
  const moto = useMoto();

  before(async () => {
    const w = await createChaosWorld(moto);
    w.cleanup();
  });

  const at = (key: string) => ({ bucket: STATE_BUCKET, key });

  it('If-None-Match: * creates once; a second create loses', async () => {
    const { s3 } = motoClients(moto);
    const etag = await putJson(s3, at('once'), { n: 1 }, { ifNoneMatch: true });
    expect(etag, 'etag').to.match(/^".+"$/);
    const second = await putJson(s3, at('once'), { n: 2 }, { ifNoneMatch: true }).catch((e: unknown) => e);
    expect(second).to.be.instanceOf(WriteConflict);
    expect((await getJson<{ n: number }>(s3, at('once')))?.value).to.deep.equal({ n: 1 });
  });

  it('If-Match: <etag> replaces only what was read; a stale etag loses', async () => {
    const { s3 } = motoClients(moto);
    const first = await putJson(s3, at('cas'), { n: 1 }, { ifNoneMatch: true });
    const second = await putJson(s3, at('cas'), { n: 2 }, { ifMatch: first });
    const stale = await putJson(s3, at('cas'), { n: 3 }, { ifMatch: first }).catch((e: unknown) => e);
    expect(stale).to.be.instanceOf(WriteConflict);
    expect(await getJson(s3, at('cas'))).to.deep.equal({ value: { n: 2 }, etag: second });
    expect(await getJson(s3, at('absent')), 'no object').to.equal(undefined);
  });

  it('twenty concurrent creates of one key: exactly one wins, fifty times over', async () => {
    const { s3 } = motoClients(moto);
    const winners: number[] = [];
    for (let round = 0; round < 50; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => putJson(s3, at(`race-${round}`), { writer: i }, { ifNoneMatch: true })),
      );
      winners.push(results.filter((r) => r.status === 'fulfilled').length);
      expect(
        results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof WriteConflict),
        'losers see a conflict',
      ).to.equal(true);
    }
    // moto_server's threads let two creates win about one round in a thousand under load: the sandbox's one request at
    // a time is what makes this hold, and a round that breaks it is named here.
    expect(
      winners.flatMap((n, round) => (n === 1 ? [] : [`round ${round}: ${n} winners`])),
      'rounds without exactly one winner',
    ).to.deep.equal([]);
    expect(winners, 'rounds').to.have.length(50);
  });

  describe('a write whose answer is lost: the SDK sends it again and its own first attempt refuses it', () => {
    const puts = (calls: RecordedCall[], key: string) =>
      calls.filter((c) => c.method === 'PUT' && (c.path.split('?')[0] ?? '').endsWith(`/${key}`));
    /** A proxy that loses the answers to the PutObject calls of these numbers (1 the first through it). */
    async function losingProxy(...numbers: number[]) {
      const proxy = await startRecordingProxy(moto.url);
      const lost: string[] = [];
      let n = 0;
      proxy.loseAnswer = (c) => {
        if (c.method !== 'PUT' || !numbers.includes(++n)) return false;
        lost.push(c.path);
        return true;
      };
      return { proxy, s3: motoClients(proxy).s3, lost };
    }

    it('a create still counts as made, with the object as written', async () => {
      // Ours (1) and its retry (2); someone else's (3), refused, and its retry (4).
      const { proxy, s3, lost } = await losingProxy(1, 3);
      try {
        const etag = await putJson(s3, at('lost-create'), { writer: 'me' }, { ifNoneMatch: true });
        expect(lost, 'answers lost').to.have.length(1);
        expect(puts(proxy.calls, 'lost-create'), 'attempts that reached moto').to.have.length(2);
        expect(await getJson(s3, at('lost-create'))).to.deep.equal({ value: { writer: 'me' }, etag });
        // A lost answer is no licence to claim a write that was refused: the object is someone else's.
        const other = await putJson(s3, at('lost-create'), { writer: 'other' }, { ifNoneMatch: true }).catch((e: unknown) => e);
        expect(other).to.be.instanceOf(WriteConflict);
        expect(lost, 'answers lost').to.have.length(2);
        expect(puts(proxy.calls, 'lost-create'), 'attempts that reached moto').to.have.length(4);
        expect((await getJson(s3, at('lost-create')))?.value).to.deep.equal({ writer: 'me' });
      } finally {
        await proxy.stop();
      }
    });

    it('the S3 lease is taken at once and given back with its claim, each answer lost once', async () => {
      // The take (1) and its retry (2), the release (3) and its retry (4).
      const { proxy, s3, lost } = await losingProxy(1, 3);
      try {
        const lease = s3Lease({ s3, at: at('lost-lease.json'), waitMs: 5_000 });
        const started = Date.now();
        const held = await lease.acquire();
        expect(Date.now() - started, 'ms to take a free lease').to.be.below(2_000);
        const claim: LeaseClaim = {
          id: 'fault-1',
          run: 'run-1',
          host: 'here',
          target: { kind: 'invert-health-check', region: 'us-east-1', resources: { healthCheckId: 'hc-1' } },
          until: new Date(Date.now() + 60_000).toISOString(),
        };
        await held.release(claim);
        expect(lost, 'answers lost (the take, the release)').to.have.length(2);
        expect(puts(proxy.calls, 'lost-lease.json'), 'attempts that reached moto').to.have.length(4);
        const doc = await getJson<{ holder: unknown; claims: LeaseClaim[] }>(s3, at('lost-lease.json'));
        expect(doc?.value.holder, 'holder').to.equal(null);
        expect(doc?.value.claims.map((c) => c.id)).to.deep.equal(['fault-1']);
      } finally {
        await proxy.stop();
      }
    });
  });
});
