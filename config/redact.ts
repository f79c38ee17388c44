/** Field names whose values are secrets; matched case-insensitively anywhere in the config. */
const SECRET = /secret|password|token|credential|apikey|api_key/i;

/** A copy of `value` with every secret-looking field's value replaced, so printing a config never leaks credentials. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.test(k) && v !== undefined ? '[redacted]' : redact(v)]));
  }
  return value;
}
