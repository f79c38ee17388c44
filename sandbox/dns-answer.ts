import type { Answer, Packet, Question } from 'dns-packet';
import { type AnswerContext, type AnswerPolicy, chooseRecord, normalizeName, type RecordView } from './route53-answer.ts';

// The answer an authoritative Route 53 name server gives one query, as a DNS packet: the in-zone CNAME chain (each
// hop chosen by its routing policy and health, with its own TTL), then the records of the asked type. Pure: the
// records and the routing context come in, a packet and a one-line summary for the ground-truth log go out.
// @see https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy.html

/** DNS response codes the server uses (RFC 1035 4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** One hop of the answer, for the log: the record chosen and by which policy. */
export interface ChosenHop {
  name: string;
  type: string;
  policy: AnswerPolicy;
  setIdentifier?: string;
  values: string[];
  ttl: number;
  allUnhealthy: boolean;
}

export interface ZoneAnswer {
  rcode: Rcode;
  /** The answer section, in order. */
  answers: Answer[];
  /** A negative answer carries the zone's SOA, so resolvers know how long to remember it. */
  authorities: Answer[];
  hops: ChosenHop[];
}

/** Seconds a resolver keeps a negative answer (the SOA minimum the sandbox zone announces). */
const NEGATIVE_TTL = 1;

function inZone(name: string, zone: string): boolean {
  const n = normalizeName(name);
  const z = normalizeName(zone);
  return n === z || n.endsWith(`.${z}`);
}

function soa(zone: string): Answer {
  const name = normalizeName(zone).slice(0, -1);
  return {
    type: 'SOA',
    name,
    ttl: NEGATIVE_TTL,
    data: {
      mname: `ns-1.${name}`,
      rname: `hostmaster.${name}`,
      serial: 1,
      refresh: 7200,
      retry: 900,
      expire: 1209600,
      minimum: NEGATIVE_TTL,
    },
  };
}

function bare(name: string): string {
  return normalizeName(name).slice(0, -1);
}

/**
 * Answers one question for the records of a hosted zone. Names outside the zone are refused (an authoritative
 * server does not recurse); a name without records is NXDOMAIN; a name with records of other types only answers
 * with none (NODATA). CNAMEs inside the zone are followed, each hop by its own routing policy.
 */
export function answerQuestion(records: readonly RecordView[], zone: string, question: Question, ctx: AnswerContext): ZoneAnswer {
  if (!inZone(question.name, zone)) return { rcode: 'REFUSED', answers: [], authorities: [], hops: [] };
  const answers: Answer[] = [];
  const hops: ChosenHop[] = [];
  let current = normalizeName(question.name);
  for (let depth = 0; depth < 8; depth++) {
    const atName = records.filter((r) => normalizeName(r.name) === current);
    if (atName.length === 0) {
      // The chain's first name does not exist: NXDOMAIN; a later one (a CNAME to nowhere) leaves the chain as it is.
      return depth === 0
        ? { rcode: 'NXDOMAIN', answers, authorities: [soa(zone)], hops }
        : { rcode: 'NOERROR', answers, authorities: [], hops };
    }
    const cnames = atName.filter((r) => r.type === 'CNAME');
    const follow = cnames.length > 0 && question.type !== 'CNAME';
    const candidates = follow ? cnames : atName.filter((r) => r.type === question.type);
    const chosen = chooseRecord(candidates, ctx);
    if (!chosen) return { rcode: 'NOERROR', answers, authorities: [soa(zone)], hops };
    const { record } = chosen;
    hops.push({
      name: bare(current),
      type: record.type,
      policy: chosen.policy,
      ...(record.setIdentifier ? { setIdentifier: record.setIdentifier } : {}),
      values: record.values,
      ttl: record.ttl,
      allUnhealthy: chosen.allUnhealthy,
    });
    for (const value of record.values) {
      answers.push({ type: record.type as 'A', name: bare(current), ttl: record.ttl, data: record.type === 'CNAME' ? bare(value) : value });
    }
    if (!follow) return { rcode: 'NOERROR', answers, authorities: [], hops };
    const next = normalizeName(record.value);
    if (!inZone(next, zone)) return { rcode: 'NOERROR', answers, authorities: [], hops };
    current = next;
  }
  return { rcode: 'SERVFAIL', answers: [], authorities: [], hops };
}

/** The response packet to a query: the first question answered, authoritative, the query's id and RD flag echoed. */
export function responsePacket(query: Packet, answer: ZoneAnswer | undefined): Packet {
  const rd = (query.flags ?? 0) & (1 << 8);
  const rcode = answer ? RCODE[answer.rcode] : RCODE.FORMERR;
  return {
    type: 'response',
    id: query.id ?? 0,
    flags: (1 << 10) | rd | rcode,
    questions: query.questions ?? [],
    answers: answer?.answers ?? [],
    authorities: answer?.authorities ?? [],
  };
}

/** The smallest TTL among the answer's records: how long a resolver may cache the whole answer. */
export function answerTtl(answer: ZoneAnswer): number | null {
  const ttls = answer.answers.map((a) => ('ttl' in a ? (a.ttl ?? 0) : 0));
  return ttls.length > 0 ? Math.min(...ttls) : null;
}
