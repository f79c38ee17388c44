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

/** `"a", "b"`: values as JSON, joined. */
function listed(values: readonly unknown[], separator: string): string {
  return values.map((v) => JSON.stringify(v)).join(separator);
}

/** What one shape of a union expects, when the value is not of that shape at all; undefined when it is. */
function shapeExpected(issues: ReadonlyArray<z.core.$ZodIssue>): string | undefined {
  const [only] = issues;
  if (issues.length !== 1 || !only || only.path.length > 0) return undefined;
  if (only.code === 'invalid_value') return listed(only.values, ' or ');
  if (only.code === 'invalid_type')
    return only.expected === 'object' || only.expected === 'array' ? `an ${only.expected}` : `a ${only.expected}`;
  return undefined;
}

/**
 * The problems of a value that fits none of a union's shapes (zod reports "Invalid input" and each shape's issues):
 * those of the shape the value has (an object for an object's shape), the fewest if several; when it has none of
 * them, every shape it could have. Paths of the shapes' issues are relative to the union's.
 */
function unionProblems(issue: z.core.$ZodIssueInvalidUnion): ConfigProblem[] {
  const input = (issue as { input?: unknown }).input;
  const within = (issues: ReadonlyArray<z.core.$ZodIssue>) => issues.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
  const fitting = issue.errors.filter((e) => shapeExpected(e) === undefined).sort((a, b) => a.length - b.length);
  if (fitting[0]?.length) return toProblems(within(fitting[0]));
  const shapes = issue.errors.map(shapeExpected);
  return [{ path: formatPath(issue.path), message: `expected ${shapes.join(' or ')}, got ${describe(input, issue.path)}` }];
}

/** Turns zod's issues into one message each, naming the field path, what was expected and what was found. */
export function toProblems(issues: ReadonlyArray<z.core.$ZodIssue>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const input = (issue as { input?: unknown }).input;
    // zod's own message for a union says nothing of which field; a union with a message of its own keeps it.
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && issue.message === 'Invalid input') {
      problems.push(...unionProblems(issue));
      continue;
    }
    // A discriminated union whose discriminator names no shape (its issue is at the discriminator's path).
    if (issue.code === 'invalid_union' && issue.errors.length === 0 && 'options' in issue && Array.isArray(issue.options)) {
      const key = issue.path.at(-1);
      const found = typeof input === 'object' && input !== null && key !== undefined ? (input as Record<PropertyKey, unknown>)[key] : input;
      problems.push({
        path,
        message: `expected one of ${listed(issue.options as unknown[], ', ')}, got ${describe(found, issue.path)}`,
      });
      continue;
    }
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
          message: `expected one of ${listed(issue.values, ', ')}, got ${describe(input, issue.path)}`,
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
