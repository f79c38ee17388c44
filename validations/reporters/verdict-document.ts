import type { FaultTimeline } from '../failover-timeline.ts';
import type { GateResult } from '../gates/gate-result.ts';
import { type ReadStats, rejectedCount } from '../read-points.ts';
import { exitCodeOf, informationalWarnings, type Judgement } from '../verdict.ts';
import type { VerdictDocument } from './verdict-schema.ts';

/**
 * `verdict.json`: the machine-readable result of judging a run, read by the pipelines, the HTML report and CI.
 * Versioned: a change that removes or retypes a field bumps `schemaVersion`; adding optional fields does not.
 * Its zod schema is in `verdict-schema.ts`, loaded only by what checks a document (tests, the JSON Schema's
 * generator), so that writing one needs no schema library.
 * @see ./README.md
 */
export const VERDICT_SCHEMA_VERSION = 1 as const;

export type { VerdictDocument };

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

function resultDoc(r: GateResult): VerdictDocument['gates'][number] {
  const { window, ...rest } = r;
  return {
    ...rest,
    measured: r.measured === null || Number.isNaN(r.measured) ? null : r.measured,
    ...(window ? { window: { start: iso(window.start), end: iso(window.end) } } : {}),
  };
}

function timelineDoc(t: FaultTimeline): NonNullable<VerdictDocument['failover']>[number] {
  return {
    fault: {
      id: t.fault.id,
      kind: t.fault.kind,
      region: t.fault.region,
      appliedAt: iso(t.fault.appliedAt),
      ...(t.fault.returnedAt === undefined ? {} : { returnedAt: iso(t.fault.returnedAt) }),
      undoneAt: isoOrNull(t.fault.undoneAt),
    },
    detectedAt: isoOrNull(t.detectedAt),
    detectionSeconds: t.detectionMs === null ? null : t.detectionMs / 1000,
    vantages: t.vantages.map((v) => ({
      vantage: v.vantage,
      ...(v.profile ? { profile: v.profile } : {}),
      affected: v.affected,
      baselineFromFaulted: v.baselineFromFaulted,
      failoverAt: isoOrNull(v.failoverAt),
      failoverSeconds: v.failoverMs === null ? null : v.failoverMs / 1000,
      transition: v.transition,
      samples: v.samples,
      baselineShare: v.baselineShare,
      rebalancedAt: isoOrNull(v.rebalancedAt),
      rebalanceSeconds: v.rebalanceMs === null ? null : v.rebalanceMs / 1000,
    })),
  };
}

export interface DocumentExtras {
  now?: () => number;
  sources?: readonly string[];
  stats?: ReadStats;
  span?: { start: number; end: number };
  faultsFile?: string;
  healthFile?: string;
  failover?: readonly FaultTimeline[];
}

/** Pure: the verdict document of a judgement. */
export function verdictDocument(judgement: Judgement, extras: DocumentExtras = {}): VerdictDocument {
  const { verdict, results } = judgement;
  const count = (s: GateResult['status']) => results.filter((r) => r.status === s && !r.informational).length;
  const informational = results.filter((r) => r.informational).length;
  const warnings = informationalWarnings(results);
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    generatedAt: iso((extras.now ?? Date.now)()),
    verdict: verdict.kind,
    exitCode: exitCodeOf(verdict),
    reasons: verdict.kind === 'approve' ? [] : verdict.reasons,
    ...(warnings.length ? { informational: warnings } : {}),
    summary: {
      pass: count('pass'),
      fail: count('fail'),
      inconclusive: count('inconclusive'),
      ...(informational ? { informational } : {}),
    },
    ...(extras.stats
      ? {
          input: {
            sources: [...(extras.sources ?? [])],
            points: extras.stats.points,
            lines: extras.stats.lines,
            span: extras.span ? { start: iso(extras.span.start), end: iso(extras.span.end) } : null,
            truncatedTail: extras.stats.truncatedTail,
            ...(extras.stats.rejected.length
              ? {
                  rejected: {
                    lines: rejectedCount(extras.stats),
                    first: extras.stats.rejected.map((r) => ({ at: `${r.source}:${r.line}`, metric: r.metric ?? null, reason: r.reason })),
                  },
                }
              : {}),
            faults: extras.faultsFile ?? null,
            health: extras.healthFile ?? null,
          },
        }
      : {}),
    gates: results.map(resultDoc),
    ...(extras.failover?.length ? { failover: extras.failover.map(timelineDoc) } : {}),
  };
}

/** `verdict.json` text. */
export function renderJson(doc: VerdictDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
