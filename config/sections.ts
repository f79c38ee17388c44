// The schemas a config is validated with: each section the config has by its own schema module, loaded for it;
// each section it leaves out by its defaults, with no schema built. Building zod schemas is most of what loading a
// config costs (some 30 ms for all of them), and commands that read a config in a hurry (`crosswind gate` on a
// run's output) have few sections.
import { defaultGates } from './gates.ts';
import type { SectionSchemas } from './schema.ts';
import { SECTION_DEFAULTS } from './section-defaults.ts';
import { z } from './zod.ts';

type Section = keyof SectionSchemas;

const SCHEMA_MODULES: { [K in Section]: () => Promise<SectionSchemas[K]> } = {
  vantages: async () => (await import('./vantage-schema.ts')).vantagesSchema,
  sandbox: async () => (await import('./sandbox-schema.ts')).sandboxSchema,
  gates: async () => (await import('./gates-schema.ts')).gatesSchema,
  chaos: async () => (await import('./chaos-schema.ts')).chaosSchema,
  synthetics: async () => (await import('./synthetics-schema.ts')).syntheticsSchema,
  distributed: async () => (await import('./distributed-schema.ts')).distributedSchema,
  gameday: async () => (await import('./gameday-schema.ts')).gamedaySchema,
  rollout: async () => (await import('./rollout-schema.ts')).rolloutSchema,
  probe: async () => (await import('./probe-schema.ts')).probeSchema,
};

/** A section's defaults, a fresh copy each time: a loaded config is the caller's to change. */
function defaultsOf(section: Exclude<Section, 'vantages'>): unknown {
  return section === 'gates' ? defaultGates() : structuredClone(SECTION_DEFAULTS[section]);
}

/**
 * Stands in for the schema of a section the config leaves out: whatever it is given (`{}`, from the section's
 * `prefault`), it gives the section's defaults, which is what the schema would have made of `{}`.
 */
function leftOut<K extends Section>(section: K): SectionSchemas[K] {
  // No vantages stay none here: the whole config's schema makes the one at the global endpoint.
  if (section === 'vantages') return z.undefined().optional() as unknown as SectionSchemas[K];
  return z.any().transform(() => defaultsOf(section)) as unknown as SectionSchemas[K];
}

/** The schemas for the sections of `raw` (a config's data before validation). */
export async function sectionSchemasFor(raw: unknown): Promise<SectionSchemas> {
  const given = (section: Section) => typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>)[section] !== undefined;
  const entries = await Promise.all(
    (Object.keys(SCHEMA_MODULES) as Section[]).map(async (s) => [s, given(s) ? await SCHEMA_MODULES[s]() : leftOut(s)] as const),
  );
  return Object.fromEntries(entries) as unknown as SectionSchemas;
}
