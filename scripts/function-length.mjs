#!/usr/bin/env node
// Reports every function outside the tests longer than the limit (80 lines by default), as the house rule asks: a
// function a newcomer cannot see at once is split along its seams. Uses the TypeScript compiler's parser, so
// methods, arrow functions and function expressions count as well as declarations. Exit 1 when any is found.
//   node scripts/function-length.mjs [--max 80] [--json]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const max = Number(args[args.indexOf('--max') + 1] || 80) || 80;

/** Tracked TypeScript and JavaScript files that are product or tooling, not tests. */
function sourceFiles() {
  return execFileSync('git', ['ls-files', '*.ts', '*.mts', '*.mjs', '*.js'], { cwd: repo, encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter((f) => f !== '' && !f.startsWith('test/'));
}

function nameOf(node, source) {
  if (node.name) return node.name.getText(source);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  if (parent && ts.isCallExpression(parent)) {
    const callee = parent.expression;
    return `(callback of ${ts.isPropertyAccessExpression(callee) ? callee.name.text : callee.getText(source).slice(0, 30)})`;
  }
  return '(anonymous)';
}

/** Every function-like node longer than `limit` lines in one file. */
export function longFunctions(file, text, limit) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const end = source.getLineAndCharacterOfPosition(node.end).line + 1;
      const lines = end - start + 1;
      if (lines > limit) out.push({ file, name: nameOf(node, source), start, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();

function main() {
  const found = sourceFiles().flatMap((f) => longFunctions(f, readFileSync(join(repo, f), 'utf8'), max));
  if (args.includes('--json')) process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
  else {
    for (const f of found) process.stdout.write(`${f.file}:${f.start}: ${f.name} is ${f.lines} lines (limit ${max})\n`);
    process.stdout.write(found.length ? `${found.length} function(s) over ${max} lines\n` : `no function over ${max} lines\n`);
  }
  process.exitCode = found.length ? 1 : 0;
}
