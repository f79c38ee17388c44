import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { REPO } from '../../support/repo.ts';

// An assertion on a boolean without a message fails with only "expected false to equal true". Each must say what it
// expected (`expect(x, 'why')`) or use chai's specific matcher (`include`, `match`, `have.length`, ...).

/** Bare boolean assertions still to be given a message, by file. Shrinks, never grows: lower a count as you fix them. */
const PENDING: Record<string, number> = {
  'test/e2e/pipelines.test.ts': 4,
  'test/e2e/report-gameday.test.ts': 1,
  'test/integration/chaos/crash-restore.test.ts': 1,
  'test/integration/chaos/guardrails.test.ts': 2,
  'test/integration/chaos/sandbox.test.ts': 2,
  'test/integration/chaos/session.test.ts': 2,
  'test/integration/ci-templates.test.ts': 3,
  'test/integration/k6.test.ts': 1,
  'test/integration/remote/runner.test.ts': 1,
  'test/integration/sandbox/sandbox-cli.test.ts': 1,
  'test/integration/sandbox/sandbox-netns.test.ts': 1,
  'test/integration/sandbox/sandbox-routing.test.ts': 5,
  'test/integration/synthetics/global-traffic.test.ts': 3,
  'test/integration/synthetics/read-your-writes.test.ts': 6,
  'test/integration/synthetics/regional-probe.test.ts': 8,
  'test/integration/synthetics/sandbox.test.ts': 10,
  'test/integration/synthetics/session-continuity.test.ts': 5,
  'test/integration/validations/sandbox-failover.test.ts': 1,
  'test/support/report-checks.ts': 1,
};

/** `expect(x)` with no message whose chain ends in `.equal(true|false)`, `.true`, `.false` or `.ok`. */
function bareBooleanAssertions(file: string, text: string): number[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'expect' && node.arguments.length === 1) {
      let chain: ts.Node = node;
      while (ts.isPropertyAccessExpression(chain.parent) || (ts.isCallExpression(chain.parent) && chain.parent.expression === chain))
        chain = chain.parent;
      // Formatting aside: `.equal(\n true,\n)` is `.equal(true)`.
      const text = chain.getText(source).replace(/\s+/g, '').replace(/,\)$/, ')');
      if (/\.(equal|eq|equals)\((true|false)\)$|\.(true|false|ok)$/.test(text))
        lines.push(source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return lines;
}

describe('assertion messages', () => {
  const files = execFileSync('git', ['ls-files', 'test/*.ts'], { cwd: REPO, encoding: 'utf8' }).trim().split('\n');
  const found = new Map(files.map((f) => [f, bareBooleanAssertions(f, readFileSync(join(REPO, f), 'utf8'))]));

  it('reads the tests', () => {
    expect(files.length, 'test files found').to.be.greaterThan(100);
  });

  it('finds no bare boolean assertion beyond the pending counts', () => {
    const over = [...found].filter(([f, lines]) => lines.length > (PENDING[f] ?? 0)).map(([f, lines]) => `${f}: lines ${lines.join(', ')}`);
    expect(over, 'give each a message saying what it expected, or a specific matcher').to.deep.equal([]);
  });

  it('has no pending count above what is left', () => {
    const stale = Object.entries(PENDING).filter(([f, n]) => (found.get(f)?.length ?? 0) < n);
    expect(stale, 'lower these counts to what is left').to.deep.equal([]);
  });

  it('finds a planted bare assertion and passes one with a message', () => {
    expect(bareBooleanAssertions('a.ts', 'expect(ok).to.equal(true);\nexpect(x).to.be.false;\n'), 'planted').to.deep.equal([1, 2]);
    expect(bareBooleanAssertions('a.ts', "expect(ok, 'why').to.equal(true);\nexpect(x).to.equal(3);\n"), 'with a message').to.deep.equal(
      [],
    );
  });
});
