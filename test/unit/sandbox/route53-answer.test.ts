import { expect } from 'chai';
import {
  type AnswerContext,
  chooseRecord,
  INITIAL_COUNTER,
  nextCounter,
  type RecordView,
  reportedHealthy,
  resolveName,
} from '../../../sandbox/route53-answer.ts';

function ctx(unhealthy: string[] = [], latency: Record<string, number> = {}, random = 0): AnswerContext {
  return { healthy: (id) => !unhealthy.includes(id), latencyMs: (r) => latency[r], random: () => random };
}

const latency: RecordView[] = [
  {
    name: 'latency.app.z.',
    type: 'CNAME',
    value: 'us-east-1.regions.z',
    values: ['us-east-1.regions.z'],
    ttl: 60,
    setIdentifier: 'us-east-1',
    region: 'us-east-1',
    healthCheckId: 'hc-e',
  },
  {
    name: 'latency.app.z.',
    type: 'CNAME',
    value: 'us-west-2.regions.z',
    values: ['us-west-2.regions.z'],
    ttl: 60,
    setIdentifier: 'us-west-2',
    region: 'us-west-2',
    healthCheckId: 'hc-w',
  },
  {
    name: 'latency.app.z.',
    type: 'CNAME',
    value: 'eu-west-1.regions.z',
    values: ['eu-west-1.regions.z'],
    ttl: 60,
    setIdentifier: 'eu-west-1',
    region: 'eu-west-1',
    healthCheckId: 'hc-eu',
  },
];
const fromEu = { 'us-east-1': 23, 'us-west-2': 29, 'eu-west-1': 5 };

describe('route53-answer: health status', () => {
  it('flips the measured status only after FailureThreshold consecutive contrary probes, both ways', () => {
    let c = INITIAL_COUNTER;
    c = nextCounter(c, false, 3);
    c = nextCounter(c, false, 3);
    expect(c.measuredHealthy, 'still healthy after 2 of 3 failures').to.equal(true);
    c = nextCounter(c, true, 3); // a success resets the run
    c = nextCounter(c, false, 3);
    c = nextCounter(c, false, 3);
    expect(c.measuredHealthy, 'a success reset the run: 2 failures since').to.equal(true);
    c = nextCounter(c, false, 3);
    expect(c).to.deep.equal({ measuredHealthy: false, contrary: 0 });
    c = nextCounter(c, true, 3);
    c = nextCounter(c, true, 3);
    expect(c.measuredHealthy, 'still unhealthy after 2 of 3 successes').to.equal(false);
    c = nextCounter(c, true, 3);
    expect(c.measuredHealthy, 'healthy again after the 3rd success').to.equal(true);
  });

  it('treats a threshold below 1 as 1', () => {
    expect(nextCounter(INITIAL_COUNTER, false, 0).measuredHealthy, 'one failure flips it').to.equal(false);
  });

  it('applies Inverted and Disabled as Route 53 does', () => {
    const table: [boolean, boolean, boolean, boolean][] = [
      // measured, inverted, disabled, reported
      [true, false, false, true],
      [false, false, false, false],
      [true, true, false, false],
      [false, true, false, true],
      [false, false, true, true],
      [true, false, true, true],
      [true, true, true, false],
      [false, true, true, false],
    ];
    for (const [measured, inverted, disabled, expected] of table) {
      expect(reportedHealthy(measured, { inverted, disabled }), `measured=${measured} inverted=${inverted} disabled=${disabled}`).to.equal(
        expected,
      );
    }
  });
});

describe('route53-answer: choosing records', () => {
  it('latency: the lowest-latency healthy region', () => {
    expect(chooseRecord(latency, ctx([], fromEu))?.record.setIdentifier).to.equal('eu-west-1');
    expect(chooseRecord(latency, ctx(['hc-eu'], fromEu))?.record.setIdentifier).to.equal('us-east-1');
    expect(chooseRecord(latency, ctx(['hc-eu', 'hc-e'], fromEu))?.record.setIdentifier).to.equal('us-west-2');
  });

  it('latency: answers as if all were healthy when none is', () => {
    const chosen = chooseRecord(latency, ctx(['hc-e', 'hc-w', 'hc-eu'], fromEu));
    expect(chosen?.record.setIdentifier).to.equal('eu-west-1');
    expect(chosen?.allUnhealthy, 'the answer says every record was unhealthy').to.equal(true);
  });

  it('weighted: picks in proportion to weight among healthy records; zero weight only as a last resort', () => {
    const weighted: RecordView[] = [
      { name: 'w.', type: 'CNAME', value: 'a', values: ['a'], ttl: 60, setIdentifier: 'a', weight: 90, healthCheckId: 'hc-a' },
      { name: 'w.', type: 'CNAME', value: 'b', values: ['b'], ttl: 60, setIdentifier: 'b', weight: 10, healthCheckId: 'hc-b' },
      { name: 'w.', type: 'CNAME', value: 'c', values: ['c'], ttl: 60, setIdentifier: 'c', weight: 0, healthCheckId: 'hc-c' },
    ];
    expect(chooseRecord(weighted, ctx([], {}, 0.5))?.record.value).to.equal('a');
    expect(chooseRecord(weighted, ctx([], {}, 0.95))?.record.value).to.equal('b');
    expect(chooseRecord(weighted, ctx(['hc-a'], {}, 0.1))?.record.value).to.equal('b');
    expect(chooseRecord(weighted, ctx(['hc-a', 'hc-b'], {}, 0.1))?.record.value).to.equal('c');
    const all = chooseRecord(weighted, ctx(['hc-a', 'hc-b', 'hc-c'], {}, 0.95));
    expect(all?.allUnhealthy, 'the answer says every record was unhealthy').to.equal(true);
    expect(all?.record.value).to.equal('b');
  });

  it('weighted: all-zero weights share evenly', () => {
    const zero: RecordView[] = [
      { name: 'w.', type: 'CNAME', value: 'a', values: ['a'], ttl: 60, weight: 0, setIdentifier: 'a' },
      { name: 'w.', type: 'CNAME', value: 'b', values: ['b'], ttl: 60, weight: 0, setIdentifier: 'b' },
    ];
    expect(chooseRecord(zero, ctx([], {}, 0.25))?.record.value).to.equal('a');
    expect(chooseRecord(zero, ctx([], {}, 0.75))?.record.value).to.equal('b');
  });

  it('failover: primary while healthy, then secondary, then primary when both are unhealthy', () => {
    const failover: RecordView[] = [
      { name: 'f.', type: 'CNAME', value: 'p', values: ['p'], ttl: 60, setIdentifier: 'p', failover: 'PRIMARY', healthCheckId: 'hc-p' },
      { name: 'f.', type: 'CNAME', value: 's', values: ['s'], ttl: 60, setIdentifier: 's', failover: 'SECONDARY', healthCheckId: 'hc-s' },
    ];
    expect(chooseRecord(failover, ctx())?.record.value).to.equal('p');
    expect(chooseRecord(failover, ctx(['hc-p']))?.record.value).to.equal('s');
    const both = chooseRecord(failover, ctx(['hc-p', 'hc-s']));
    expect(both?.record.value).to.equal('p');
    expect(both?.allUnhealthy, 'the answer says primary and secondary were unhealthy').to.equal(true);
  });

  it('a record without a health check counts as healthy', () => {
    const r: RecordView[] = [{ name: 'x.', type: 'CNAME', value: 'v', values: ['v'], ttl: 60, region: 'us-east-1', setIdentifier: 'e' }];
    expect(chooseRecord(r, ctx(['anything']))?.allUnhealthy, 'not all unhealthy').to.equal(false);
  });

  it('resolves in-zone CNAME chains case-insensitively, and returns nothing for an unknown name', () => {
    const records: RecordView[] = [
      { name: 'App.Z.', type: 'CNAME', value: 'latency.app.z', values: ['latency.app.z'], ttl: 60 },
      ...latency,
    ];
    const hops = resolveName(records, 'app.z', ctx([], fromEu));
    expect(hops.map((h) => h.policy)).to.deep.equal(['simple', 'latency']);
    expect(hops.at(-1)?.record.value).to.equal('eu-west-1.regions.z');
    expect(resolveName(records, 'nope.z', ctx())).to.deep.equal([]);
  });

  it('stops following a CNAME loop after a bounded number of hops', () => {
    const loop: RecordView[] = [
      { name: 'a.', type: 'CNAME', value: 'b.', values: ['b.'], ttl: 60 },
      { name: 'b.', type: 'CNAME', value: 'a.', values: ['a.'], ttl: 60 },
    ];
    expect(resolveName(loop, 'a.', ctx(), 5)).to.have.length(5);
  });
});
