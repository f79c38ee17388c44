import { expect } from 'chai';
import { answerQuestion, answerTtl, responsePacket } from '../../../sandbox/dns-answer.ts';
import type { AnswerContext, RecordView } from '../../../sandbox/route53-answer.ts';

const rec = (name: string, type: string, values: string[], ttl: number, extra: Partial<RecordView> = {}): RecordView => ({
  name,
  type,
  value: values[0] ?? '',
  values,
  ttl,
  ...extra,
});

const ZONE = 'z.test';
const RECORDS: RecordView[] = [
  rec('z.test.', 'SOA', ['ns. host. 1 2 3 4 5'], 900),
  rec('app.z.test.', 'CNAME', ['failover.z.test'], 30),
  rec('failover.z.test.', 'CNAME', ['east.z.test'], 10, { setIdentifier: 'east', failover: 'PRIMARY', healthCheckId: 'hc-east' }),
  rec('failover.z.test.', 'CNAME', ['west.z.test'], 10, { setIdentifier: 'west', failover: 'SECONDARY', healthCheckId: 'hc-west' }),
  rec('east.z.test.', 'A', ['10.0.0.1'], 5),
  rec('west.z.test.', 'A', ['10.0.0.2', '10.0.0.3'], 5),
];

function ctx(unhealthy: string[] = []): AnswerContext {
  return { healthy: (id) => !unhealthy.includes(id), latencyMs: () => undefined, random: () => 0 };
}

describe('dns-answer: one query answered from the hosted zone', () => {
  it('follows the in-zone CNAME chain, each hop by its policy, each record with its own TTL', () => {
    const a = answerQuestion(RECORDS, ZONE, { type: 'A', name: 'App.Z.test' }, ctx());
    expect(a.rcode).to.equal('NOERROR');
    expect(a.answers.map((r) => `${r.name} ${r.type} ${'data' in r ? r.data : ''} ${'ttl' in r ? r.ttl : ''}`)).to.deep.equal([
      'app.z.test CNAME failover.z.test 30',
      'failover.z.test CNAME east.z.test 10',
      'east.z.test A 10.0.0.1 5',
    ]);
    expect(answerTtl(a), 'the answer lives as long as its shortest record').to.equal(5);
    expect(a.hops.map((h) => h.setIdentifier ?? h.policy)).to.deep.equal(['simple', 'east', 'simple']);
  });

  it('moves to the secondary when the primary is unhealthy, with every address of its record set', () => {
    const a = answerQuestion(RECORDS, ZONE, { type: 'A', name: 'app.z.test' }, ctx(['hc-east']));
    expect(a.answers.filter((r) => r.type === 'A').map((r) => ('data' in r ? r.data : ''))).to.deep.equal(['10.0.0.2', '10.0.0.3']);
  });

  it('answers NODATA with the SOA for a type the name lacks, NXDOMAIN for a missing name, REFUSED outside the zone', () => {
    const aaaa = answerQuestion(RECORDS, ZONE, { type: 'AAAA', name: 'east.z.test' }, ctx());
    expect([aaaa.rcode, aaaa.answers.length, aaaa.authorities[0]?.type]).to.deep.equal(['NOERROR', 0, 'SOA']);
    expect(answerQuestion(RECORDS, ZONE, { type: 'A', name: 'nope.z.test' }, ctx()).rcode).to.equal('NXDOMAIN');
    expect(answerQuestion(RECORDS, ZONE, { type: 'A', name: 'example.com' }, ctx()).rcode).to.equal('REFUSED');
    const cname = answerQuestion(RECORDS, ZONE, { type: 'CNAME', name: 'app.z.test' }, ctx());
    expect(
      cname.answers.map((r) => r.type),
      'a CNAME query is not followed',
    ).to.deep.equal(['CNAME']);
  });

  it('builds an authoritative response that echoes the id, the question and the RD flag, with the rcode in the flags', () => {
    const query = { type: 'query' as const, id: 4242, flags: 1 << 8, questions: [{ type: 'A' as const, name: 'nope.z.test' }] };
    const res = responsePacket(query, answerQuestion(RECORDS, ZONE, { type: 'A', name: 'nope.z.test' }, ctx()));
    expect(res).to.deep.include({ type: 'response', id: 4242, questions: query.questions });
    expect((res.flags ?? 0) & 0xf, 'NXDOMAIN').to.equal(3);
    expect((res.flags ?? 0) & ((1 << 10) | (1 << 8)), 'AA and RD').to.equal((1 << 10) | (1 << 8));
  });
});
