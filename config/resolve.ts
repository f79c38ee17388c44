// Config data built in memory (tests, benchmarks, programs that embed crosswind) validated at once, with every
// section's schema at hand. Config files go through load.ts, which builds only the schemas of the sections they have.
import { chaosSchema } from './chaos-schema.ts';
import { distributedSchema } from './distributed-schema.ts';
import { gamedaySchema } from './gameday-schema.ts';
import { gatesSchema } from './gates-schema.ts';
import { probeSchema } from './probe-schema.ts';
import { rolloutSchema } from './rollout-schema.ts';
import { sandboxSchema } from './sandbox-schema.ts';
import { type CrosswindConfig, configSchemaWith, parseConfig, type SectionSchemas } from './schema.ts';
import { syntheticsSchema } from './synthetics-schema.ts';
import { vantagesSchema } from './vantage-schema.ts';

/** Every section's schema. */
export const SECTION_SCHEMAS: SectionSchemas = {
  vantages: vantagesSchema,
  sandbox: sandboxSchema,
  gates: gatesSchema,
  chaos: chaosSchema,
  synthetics: syntheticsSchema,
  distributed: distributedSchema,
  gameday: gamedaySchema,
  rollout: rolloutSchema,
  probe: probeSchema,
};

const configSchema = configSchemaWith(SECTION_SCHEMAS);

/** Validates raw config data and fills defaults; pure. Throws a ConfigError listing every problem at once. */
export function resolveConfig(raw: unknown, source = '<inline>'): CrosswindConfig {
  return parseConfig(configSchema, raw, source);
}
