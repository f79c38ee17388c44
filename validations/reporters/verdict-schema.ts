import { z } from '../../config/zod.ts';
import { VERDICT_SCHEMA_VERSION } from './verdict-document.ts';

/**
 * The zod schema of `verdict.json` (written by `verdict-document.ts`), from which the JSON Schema
 * (validations/reporters/verdict.schema.json) is generated.
 * @see ./README.md
 */

const isoTime = z.string().describe('RFC 3339 time (UTC)');

export const gateResultDocSchema = z
  .object({
    gate: z.string().describe('gate name'),
    kind: z.enum([
      'latency',
      'error-rate',
      'failover',
      'replication',
      'cloudwatch',
      'comparison',
      'capacity',
      'deep-health',
      'dependency-down',
    ]),
    measure: z.string().describe('what was measured, e.g. "p(99) http_req_duration"'),
    group: z.record(z.string(), z.string()).describe('tag values of the group; {} for the whole run'),
    groupLabel: z.string().describe('"k=v,k=v" or "all"'),
    status: z.enum(['pass', 'fail', 'inconclusive']),
    measured: z.number().nullable().describe('null when nothing could be measured (never a pass)'),
    op: z.enum(['<=', '>=']),
    bound: z.number(),
    unit: z.enum(['ms', 's', 'ratio', 'count', 'value']),
    samples: z.number().int().min(0),
    minSamples: z.number().int().min(0),
    window: z.object({ start: isoTime, end: isoTime }).optional().describe('span the value came from (worst window, or a timeline span)'),
    scope: z
      .object({ window: z.string(), population: z.string() })
      .optional()
      .describe('what was judged, in words: the window of time and the population of samples'),
    interval: z
      .object({
        lower: z.number().nullable(),
        upper: z.number().nullable(),
        confidence: z.number(),
        method: z.enum(['clopper-pearson', 'wilson', 'order-statistics', 'hodges-lehmann']),
      })
      .optional()
      .describe('rates and percentiles: the confidence interval around measured, each end one-sided at confidence (null: no bound)'),
    samplesNeeded: z
      .number()
      .nullable()
      .optional()
      .describe('an inconclusive rate or percentile: samples in all that would show the bound at the observed rate (null: none would)'),
    reason: z.string(),
    informational: z
      .literal(true)
      .optional()
      .describe('reported, deciding nothing: a client profile the game day does not gate; its status is what was measured'),
  })
  .describe('one gate result for one group');

const reasonSchema = z.object({ gate: z.string(), measure: z.string(), groupLabel: z.string(), message: z.string() });

const vantageFailoverSchema = z.object({
  vantage: z.string(),
  profile: z.string().optional().describe('the client profile, when the traffic ran several side by side'),
  affected: z
    .boolean()
    .optional()
    .describe('the faulted region served this vantage in its own baseline; only affected vantages are judged'),
  baselineFromFaulted: z.number().int().optional().describe('baseline requests the faulted region answered'),
  failoverAt: isoTime.nullable(),
  failoverSeconds: z.number().nullable(),
  transition: z.object({ requests: z.number().int(), failed: z.number().int(), rate: z.number() }),
  samples: z.number().int(),
  baselineShare: z.record(z.string(), z.number()),
  rebalancedAt: isoTime.nullable(),
  rebalanceSeconds: z.number().nullable(),
});

const faultTimelineSchema = z.object({
  fault: z.object({
    id: z.string(),
    kind: z.string(),
    region: z.string(),
    appliedAt: isoTime.describe('t_fault: just before the call that applied it (or when it began to act)'),
    returnedAt: isoTime.optional().describe('when that call returned'),
    undoneAt: isoTime.nullable(),
  }),
  detectedAt: isoTime.nullable(),
  detectionSeconds: z.number().nullable(),
  vantages: z.array(vantageFailoverSchema),
});

export const verdictDocumentSchema = z
  .object({
    schemaVersion: z.literal(VERDICT_SCHEMA_VERSION),
    generatedAt: isoTime,
    verdict: z.enum(['approve', 'rollback', 'inconclusive']),
    exitCode: z.number().int().describe('0 approve, 1 rollback, 4 inconclusive'),
    reasons: z.array(reasonSchema).describe('failed results for a rollback, unsure ones for inconclusive; empty for approve'),
    informational: z
      .array(reasonSchema)
      .optional()
      .describe('warnings: informational results that did not pass (client profiles not gated), whatever the verdict'),
    summary: z
      .object({
        pass: z.number().int(),
        fail: z.number().int(),
        inconclusive: z.number().int(),
        informational: z.number().int().optional().describe('informational results, not counted in pass, fail or inconclusive'),
      })
      .describe('gated results by status'),
    input: z
      .object({
        sources: z.array(z.string()).describe('k6 NDJSON files read (live streams as "<stream>")'),
        points: z.number().int(),
        lines: z.number().int(),
        span: z.object({ start: isoTime, end: isoTime }).nullable().describe('time span of the points read'),
        truncatedTail: z.array(z.string()).describe('file:line of final lines cut short and skipped'),
        rejected: z
          .object({
            lines: z.number().int().describe('lines rejected in all'),
            first: z.array(z.object({ at: z.string(), metric: z.string().nullable(), reason: z.string() })),
          })
          .optional()
          .describe('lines not taken (not what k6 writes, or a value k6 cannot have measured), the first ones by file:line'),
        faults: z.string().nullable().describe('fault ledger read, if any'),
        health: z.string().nullable().describe('health observations read, if any'),
      })
      .optional(),
    gates: z.array(gateResultDocSchema),
    failover: z.array(faultTimelineSchema).optional().describe('failover timelines, when the run had faults'),
  })
  .describe('crosswind verdict.json');

export type VerdictDocument = z.infer<typeof verdictDocumentSchema>;

/** The JSON Schema of `verdict.json` (draft 2020-12), generated from the zod schema. */
export function verdictJsonSchema(): Record<string, unknown> {
  return {
    title: 'crosswind verdict.json',
    ...(z.toJSONSchema(verdictDocumentSchema, { target: 'draft-2020-12' }) as Record<string, unknown>),
  };
}
