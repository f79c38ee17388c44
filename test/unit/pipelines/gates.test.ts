import { expect } from 'chai';
import { gamedaySchema } from '../../../config/gameday-schema.ts';
import { gatesSchema } from '../../../config/gates-schema.ts';
import { rolloutSchema } from '../../../config/rollout-schema.ts';
import { syntheticsSchema } from '../../../config/synthetics-schema.ts';
import { functionalGates, gamedayGates } from '../../../pipelines/gameday-gates.ts';
import { buildGamedayPlan } from '../../../pipelines/gameday-plan.ts';
import { probeCells } from '../../../pipelines/probe-gates.ts';
import { canaryGates, rolloutGates } from '../../../pipelines/rollout-gates.ts';
import type { GateResult } from '../../../validations/gates/gate-result.ts';

describe('pipeline gates (data handed to validations)', () => {
  it('game day: the failover gate carries the targets and the drill timings; capacity is judged on the survivors', () => {
    const gameday = gamedaySchema.parse({
      phases: [
        { kind: 'baseline', duration: '8s' },
        { kind: 'inject' },
        { kind: 'restore' },
        { kind: 'verify-rebalance', duration: '15s', tolerance: 0.15 },
      ],
      targets: { detectionSeconds: 20, failoverSeconds: 40 },
    });
    const plan = buildGamedayPlan(gameday, ['us-east-1', 'us-west-2', 'eu-west-1']);
    const [failover, capacity] = gamedayGates(gameday, plan);
    expect(failover).to.include({
      kind: 'failover',
      detectionSeconds: 20,
      failoverSeconds: 40,
      transitionErrorRate: 0.001,
      rebalanceSeconds: 15,
      rebalanceTolerance: 0.15,
      baselineSeconds: 8,
    });
    expect(capacity).to.deep.include({
      kind: 'capacity',
      metric: 'request_duration',
      survivors: ['us-west-2', 'eu-west-1'],
      confidence: 0.95,
    });
    expect(
      functionalGates(['us-west-2'], { gameday, gates: gatesSchema.parse({}), synthetics: syntheticsSchema.parse({}) })[0],
    ).to.deep.include({
      kind: 'error-rate',
      bound: 0.05,
      where: { target_region: ['us-west-2'] },
    });
  });

  it('rollout: each phase judges its own traffic; after the deploy the region is compared with its own baseline, the last wave too', () => {
    const r = rolloutSchema.parse({ maxLatencyMs: 300, minSamples: 40 });
    const gates = rolloutGates(r, 'eu-west-1', 'traffic');
    expect(gates.map((g) => g.kind)).to.deep.equal(['error-rate', 'latency', 'comparison']);
    expect(gates[1]).to.deep.include({ bound: 300, minSamples: 40, where: { target_region: 'eu-west-1', rollout_phase: 'traffic' } });
    expect(gates[2]).to.deep.include({
      candidate: 'eu-west-1',
      baseline: ['eu-west-1'],
      candidateWhere: { rollout_phase: 'traffic' },
      baselineWhere: { rollout_phase: 'baseline' },
      errorMetric: 'request_failed',
      maxMedianRatio: 1.2,
    });
    expect(
      rolloutGates(r, 'eu-west-1', 'baseline').map((g) => g.kind),
      'the steady state',
    ).to.deep.equal(['error-rate', 'latency']);
    expect(canaryGates(r, 'eu-west-1', 'weight-10')[0]).to.deep.include({
      where: { scenario: 'global-traffic', served_by: 'eu-west-1', rollout_phase: 'weight-10' },
      groupBy: ['vantage'],
    });
  });

  it('probe: cells from one cycle, marked with the window verdict for the same vantage and region', () => {
    const result = (
      kind: 'error-rate' | 'latency',
      vantage: string,
      region: string,
      measured: number,
      samples: number,
      status: GateResult['status'],
    ): GateResult => ({
      gate: kind,
      kind,
      measure: kind,
      group: { vantage, served_by: region },
      groupLabel: `vantage=${vantage},served_by=${region}`,
      status,
      measured,
      op: '<=',
      bound: 1,
      unit: 'ms',
      samples,
      minSamples: 1,
      scope: { window: 'whole run', population: 'request_failed' },
      reason: '',
    });
    const cycle = [
      result('error-rate', 'v-eu', 'eu-west-1', 0.02, 50, 'pass'),
      result('latency', 'v-eu', 'eu-west-1', 80, 49, 'pass'),
      result('error-rate', 'v-us', 'us-east-1', 0, 10, 'pass'),
    ];
    const window = [
      result('error-rate', 'v-eu', 'eu-west-1', 0.02, 100, 'fail'),
      result('latency', 'v-eu', 'eu-west-1', 80, 98, 'pass'),
      result('error-rate', 'v-us', 'us-east-1', 0, 10, 'inconclusive'),
    ];
    expect(probeCells(cycle, window)).to.deep.equal([
      { vantage: 'v-eu', region: 'eu-west-1', requests: 50, failures: 1, latencyMs: 80, gatesHeld: false },
      { vantage: 'v-us', region: 'us-east-1', requests: 10, failures: 0, latencyMs: undefined, gatesHeld: undefined },
    ]);
  });
});
