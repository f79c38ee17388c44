// Secrets never reach an output: not the terminal, not a log, not a file of a run. Two layers:
//
// - structured: a field whose name says it holds a secret (`aws.credentials`, `secretAccessKey`, `apiKey`, ...) is
//   replaced whole before a config is printed, and a config problem never shows such a field's value;
// - text: every line crosswind prints or writes into a run folder goes through `redactSecrets`, which masks the
//   secrets it was told of (the values of the config's secret fields, and of secret-named environment variables such
//   as AWS_SECRET_ACCESS_KEY) and anything shaped like an AWS access key id, secret access key or session token.
//
// The known secrets are process-wide because every output boundary must agree on them, and they are learned when
// the config is read, after the commands that print have already been wired.

/** Field and variable names whose values are secrets; matched case-insensitively. */
const SECRET = /secret|password|passwd|token|credential|apikey|api_key|private_?key/i;

/** Access key ids: long-term (AKIA) and temporary (ASIA). */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** A secret access key: 40 characters of base64 with upper and lower case and a digit, standing alone. */
const SECRET_KEY =
  /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}\d)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** A session token: a base64 run of 100 characters or more. */
const SESSION_TOKEN = /[A-Za-z0-9/+]{100,}={0,2}/g;
/** Shorter values would mask ordinary words (and emulators' `testing`); they are never printed by field anyway. */
const MIN_KNOWN_LENGTH = 8;

export const REDACTED = '[redacted]';

/** Whether a field name, or any key along a path, names a secret. */
export function isSecretPath(path: ReadonlyArray<PropertyKey>): boolean {
  return path.some((k) => typeof k === 'string' && SECRET.test(k));
}

/** Whether a value looks like an AWS credential (access key id, secret key, session token) whatever its field. */
export function looksSecret(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return redactText(value, new Set()) !== value;
}

/** A copy of `value` with every secret-named field's value replaced, so printing a config never leaks credentials. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET.test(k) && v !== undefined ? REDACTED : redact(v)]));
  }
  return value;
}

/** Pure: `text` with every known secret and everything shaped like an AWS credential masked. */
export function redactText(text: string, known: ReadonlySet<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out.replace(SESSION_TOKEN, REDACTED).replace(ACCESS_KEY_ID, REDACTED).replace(SECRET_KEY, REDACTED);
}

const known = new Set<string>();
let envRead = false;

/** Remembers secret values (strings of at least 8 characters) so that `redactSecrets` masks them everywhere. */
export function rememberSecrets(values: Iterable<unknown>): void {
  for (const v of values) if (typeof v === 'string' && v.length >= MIN_KNOWN_LENGTH) known.add(v);
}

/** The values of secret-named fields anywhere in a (raw or resolved) config. */
export function secretValues(value: unknown, named = false): string[] {
  if (typeof value === 'string') return named ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => secretValues(v, named));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => secretValues(v, named || SECRET.test(k)));
  return [];
}

/** Whether an environment variable holds a secret: a secret-named one, or the AWS access key id. */
export function isSecretVariable(name: string): boolean {
  return SECRET.test(name) || name === 'AWS_ACCESS_KEY_ID';
}

/** The values of the environment's secret variables. */
export function envSecrets(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([k]) => isSecretVariable(k))
    .map(([, v]) => v)
    .filter((v): v is string => v !== undefined);
}

/** `text` as it may be printed or written: every secret this process knows of, or can recognise, masked. */
export function redactSecrets(text: string): string {
  if (!envRead) {
    envRead = true;
    rememberSecrets(envSecrets(process.env));
  }
  return redactText(text, known);
}
