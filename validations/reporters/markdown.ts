import type { FaultTimeline } from '../failover-timeline.ts';
import { formatInterval, formatValue, type GateResult } from '../gates/gate-result.ts';
import { informationalWarnings, type Judgement } from '../verdict.ts';

const ICON: Record<GateResult['status'], string> = { pass: '✅ pass', fail: '❌ fail', inconclusive: '⚠️ inconclusive' };
const HEADLINE = { approve: '✅ Approved', rollback: '❌ Roll back', inconclusive: '⚠️ Inconclusive' } as const;

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * Markdown for a CI job summary (`$GITHUB_STEP_SUMMARY`): the verdict, its reasons, then one table row per gate
 * result.
 * @see https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary
 */
export function renderMarkdown(judgement: Judgement, options: { title?: string; failover?: readonly FaultTimeline[] } = {}): string {
  const { verdict, results } = judgement;
  const lines = [`## ${options.title ?? 'crosswind gates'}: ${HEADLINE[verdict.kind]}`, ''];
  if (verdict.kind !== 'approve') {
    lines.push(verdict.kind === 'rollback' ? '**Failed:**' : '**Not enough evidence:**', '');
    for (const r of verdict.reasons) lines.push(`- ${r.message}`);
    lines.push('');
  }
  const warnings = informationalWarnings(results);
  if (warnings.length) {
    lines.push('**Warnings (informational, not gated):**', '');
    for (const w of warnings) lines.push(`- ${w.message}`);
    lines.push('');
  }
  const gated = results.filter((r) => !r.informational);
  const n = (s: GateResult['status']) => gated.filter((r) => r.status === s).length;
  const info = results.length - gated.length;
  lines.push(
    `${results.length} results: ${n('pass')} passed, ${n('fail')} failed, ${n('inconclusive')} inconclusive${info ? `, ${info} informational` : ''}.`,
    '',
  );
  lines.push(
    '| status | gate | measure | group | measured | interval | bound | samples | judged |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of results) {
    const interval = r.interval ? `${formatInterval(r.interval, r.unit)} ${Number((r.interval.confidence * 100).toPrecision(4))} %` : '–';
    lines.push(
      `| ${r.informational ? `ℹ️ ${r.status} (informational)` : ICON[r.status]} | ${cell(r.gate)} | ${cell(r.measure)} | ${cell(r.groupLabel)} | ${cell(formatValue(r.measured, r.unit))} | ${cell(interval)} | ${r.op} ${cell(formatValue(r.bound, r.unit))} | ${r.samples} (min ${r.minSamples}) | ${cell(`${r.scope.window}; ${r.scope.population}`)} |`,
    );
  }
  for (const t of options.failover ?? []) {
    const unaffected = unaffectedVantages(t);
    if (unaffected.length)
      lines.push(
        '',
        `Not judged as failover: ${unaffected.join(', ')}, never served by ${t.fault.region} before fault ${t.fault.id} (unaffected).`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** The vantages a fault never touched, each named once, with the client profiles it ran (`vantage-eu (fresh, k6-default)`). */
function unaffectedVantages(t: FaultTimeline): string[] {
  const profiles = new Map<string, string[]>();
  for (const v of t.vantages.filter((x) => !x.affected)) {
    const list = profiles.get(v.vantage) ?? [];
    if (v.profile) list.push(v.profile);
    profiles.set(v.vantage, list);
  }
  return [...profiles].map(([vantage, list]) => (list.length ? `${vantage} (${list.join(', ')})` : vantage));
}
