import { deepHealthGateSchema, type Gate } from '../config/gates-schema.ts';
import type { CrosswindConfig } from '../config/schema.ts';

/**
 * Pure: the health-honesty gate of a regional probe's answers matching `where`: each region's health endpoint must
 * report its dependencies (one shallow 200 fails it). None when `synthetics.regionalProbe.shallowHealth` is `warn`.
 */
export function deepHealthGates(synthetics: CrosswindConfig['synthetics'], where: Record<string, string | string[]>): Gate[] {
  if (synthetics.regionalProbe.shallowHealth === 'warn') return [];
  return [deepHealthGateSchema.parse({ kind: 'deep-health', name: 'deep-health', where, groupBy: ['target_region'] })];
}
