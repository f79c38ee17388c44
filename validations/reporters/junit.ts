import { formatInterval, formatValue, type GateResult } from '../gates/gate-result.ts';
import type { Judgement } from '../verdict.ts';

function xml(s: string): string {
  // Also drop characters XML 1.0 cannot carry at all.
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function testcase(r: GateResult): string {
  const name = `${r.measure} [${r.groupLabel}]`;
  const head = `    <testcase classname="crosswind.gates.${xml(r.gate)}" name="${xml(name)}" time="0">`;
  const props = `      <properties><property name="measured" value="${xml(formatValue(r.measured, r.unit))}"/><property name="bound" value="${xml(`${r.op} ${formatValue(r.bound, r.unit)}`)}"/><property name="samples" value="${r.samples}"/><property name="minSamples" value="${r.minSamples}"/>${r.interval ? `<property name="interval" value="${xml(`${formatInterval(r.interval, r.unit)} at ${r.interval.confidence}`)}"/>` : ''}<property name="window" value="${xml(r.scope.window)}"/><property name="population" value="${xml(r.scope.population)}"/></properties>`;
  let outcome = '';
  // An informational result decided nothing: CI shows it, when it did not pass, as skipped with what it measured.
  if (r.informational) {
    if (r.status !== 'pass') outcome = `\n      <skipped message="${xml(`informational, not gated (${r.status}): ${r.reason}`)}"/>`;
    return `${head}\n${props}${outcome}\n    </testcase>`;
  }
  if (r.status === 'fail') outcome = `\n      <failure message="${xml(r.reason)}" type="gate-failed">${xml(r.reason)}</failure>`;
  // Inconclusive is not a pass: CI shows it as skipped with the reason, and the verdict's exit code says 4.
  if (r.status === 'inconclusive') outcome = `\n      <skipped message="${xml(`inconclusive: ${r.reason}`)}"/>`;
  return `${head}\n${props}${outcome}\n    </testcase>`;
}

/**
 * JUnit XML: one test suite per gate, one test case per gate result (measure and group), so any CI shows which
 * vantage or region broke which bound. Failed results are failures; inconclusive ones are skipped with the reason.
 * @see https://github.com/testmoapp/junitxml
 */
export function renderJunit(judgement: Judgement, options: { name?: string; timestamp?: string } = {}): string {
  const byGate = new Map<string, GateResult[]>();
  for (const r of judgement.results) byGate.set(r.gate, [...(byGate.get(r.gate) ?? []), r]);
  const count = (rs: GateResult[], s: GateResult['status']) => rs.filter((r) => r.status === s && !r.informational).length;
  const skipped = (rs: GateResult[]) => rs.filter((r) => r.status === 'inconclusive' || (r.informational && r.status !== 'pass')).length;
  const all = judgement.results;
  const suites = [...byGate.entries()].map(
    ([gate, rs]) =>
      `  <testsuite name="${xml(gate)}" tests="${rs.length}" failures="${count(rs, 'fail')}" errors="0" skipped="${skipped(rs)}"${options.timestamp ? ` timestamp="${xml(options.timestamp)}"` : ''}>\n${rs.map(testcase).join('\n')}\n  </testsuite>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(options.name ?? `crosswind gates: ${judgement.verdict.kind}`)}" tests="${all.length}" failures="${count(all, 'fail')}" errors="0" skipped="${skipped(all)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
