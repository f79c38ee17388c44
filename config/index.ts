// The package's main entry (`import { defineConfig } from 'crosswind'`): what a user's crosswind.config.ts needs.
// Only defineConfig exists at run time; the rest are types, so importing it loads neither the schema nor any role.
export type { ChaosConfig, FisTemplateConfig } from './chaos-schema.ts';
export { defineConfig } from './define-config.ts';
export type { DistributedConfig } from './distributed-schema.ts';
export type { GamedayConfig, GamedayFault, GamedayPhase } from './gameday-schema.ts';
export type {
  CloudWatchGate,
  ComparisonGate,
  ErrorRateGate,
  FailoverGate,
  Gate,
  GateInput,
  GatesConfig,
  LatencyGate,
  ReplicationGate,
} from './gates-schema.ts';
export type { ProbeConfig } from './probe-schema.ts';
export type { RolloutConfig } from './rollout-schema.ts';
export type { CrosswindConfig, CrosswindConfigInput, RegionConfig, VantageConfig } from './schema.ts';
export type { SyntheticsConfig } from './synthetics-schema.ts';
