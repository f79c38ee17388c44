import type { z } from 'zod';
import type { ConfigProblem } from './config-error.ts';
import { isSecretPath, looksSecret } from './redact.ts';

/** Each index whose value appeared earlier in the list, mapped to the index of that first appearance. */
export function repeats(values: readonly string[]): Map<number, number> {
  const first = new Map<string, number>();
  const out = new Map<number, number>();
  values.forEach((v, i) => {
    const earlier = first.get(v);
    if (earlier === undefined) first.set(v, i);
    else out.set(i, earlier);
  });
  return out;
}

/** `['regions', 2, 'endpoint']` → `regions[2].endpoint`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => {
    if (typeof key === 'number') return `${out}[${key}]`;
    const k = String(key);
    return out === '' ? k : `${out}.${k}`;
  }, '');
}

/** What was found, for a message: short, and never a secret (by its field's name, or by its shape). */
function describe(value: unknown, path: ReadonlyArray<PropertyKey>): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (isSecretPath(path) || looksSecret(value)) return `a ${typeof value} (not shown: it may be a secret)`;
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Turns zod's issues into one message each, naming the field path, what was expected and what was found. */
export function toProblems(issues: ReadonlyArray<z.core.$ZodIssue>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          problems.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
        }
        break;
      case 'invalid_type':
        problems.push({
          path,
          message:
            input === undefined
              ? `required (expected ${issue.expected})`
              : `expected ${issue.expected}, got ${describe(input, issue.path)}`,
        });
        break;
      case 'invalid_value':
        problems.push({
          path,
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(input, issue.path)}`,
        });
        break;
      default: {
        const found = input === undefined || typeof input === 'object' ? '' : `, got ${describe(input, issue.path)}`;
        problems.push({ path, message: `${issue.message}${found}` });
      }
    }
  }
  return problems;
}
