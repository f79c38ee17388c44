// What judging needs of the gates at run time, without the schema that checks them (gates-schema.ts): a gate's name,
// the evidence rule, and the default gate set. `crosswind gate` without a config file judges with these and never
// loads a schema library; a test keeps DEFAULT_GATES equal to what the schema makes of an empty `gates` section.
import type { Evidence, Gate, GatesConfig } from './gates-schema.ts';

/** The name a gate reports under (verdicts, JUnit, CloudWatch reads): its `name`, or one derived from its kind. */
export function gateName(gate: Gate): string {
  if (gate.name) return gate.name;
  switch (gate.kind) {
    case 'latency':
      return `latency-p${gate.percentile}`;
    case 'cloudwatch':
      return `cloudwatch-${gate.namespace.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${gate.metricName}`;
    default:
      return gate.kind;
  }
}

/** The evidence rule when nothing is configured. */
export const DEFAULT_EVIDENCE: Evidence = { confidence: 0.95, rateInterval: 'clopper-pearson' };

/** Pure: a gate with the evidence rule filled in where it sets none of its own. */
export function withEvidence<G extends Gate>(gate: G, evidence: Evidence): G {
  switch (gate.kind) {
    case 'error-rate':
    case 'failover':
      return { ...gate, confidence: gate.confidence ?? evidence.confidence, rateInterval: gate.rateInterval ?? evidence.rateInterval };
    case 'latency':
    case 'replication':
    case 'capacity':
      return { ...gate, confidence: gate.confidence ?? evidence.confidence };
    default:
      return gate;
  }
}

/** The checks of a config without a `gates` section: p(99) latency <= 1000 ms and errors <= 1 %, per vantage. */
export const DEFAULT_CHECKS: readonly Gate[] = [
  { kind: 'latency', metric: 'http_req_duration', percentile: 99, bound: 1000, where: {}, groupBy: ['vantage'], minSamples: 100 },
  { kind: 'error-rate', metric: 'http_req_failed', bound: 0.01, where: {}, groupBy: ['vantage'], minSamples: 100 },
];

/** What the schema makes of an empty `gates` section (or none): the default checks and failover gate, evidence filled. */
export function defaultGates(): GatesConfig {
  const evidence = { ...DEFAULT_EVIDENCE };
  return {
    evidence,
    checks: DEFAULT_CHECKS.map((g) => withEvidence(structuredClone(g), evidence)),
    failover: {
      metric: 'request_failed',
      where: {},
      vantageTag: 'vantage',
      profileTag: 'profile',
      servedByTag: 'served_by',
      informationalProfiles: [],
      successWindowSeconds: 5,
      detectionSeconds: 30,
      failoverSeconds: 60,
      transitionErrorRate: 0.001,
      rebalanceSeconds: 120,
      rebalanceTolerance: 0.1,
      rebalanceWindowSeconds: 5,
      baselineSeconds: 60,
      minSamples: 10,
      ...evidence,
    },
  };
}
