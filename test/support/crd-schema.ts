import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

interface CrdDocument {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
}

// The API server prunes unknown fields silently; `kubectl apply --validate=strict` rejects them. A manifest with a
// misspelt field would "apply" and do nothing, so the check here is the strict one: an object schema that lists
// its properties accepts no others, unless it says it keeps unknown fields.
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema))
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strict(s)])) : strict(v);
  if (out.properties && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * A validator for one version of a CustomResourceDefinition's schema (its `openAPIV3Schema`), strict about unknown
 * fields. Returns one line per problem (`/spec/parallelism: must be integer`), none when the object is valid.
 */
export function crdValidator(crdFile: string, version: string): (object: unknown) => string[] {
  const crd = parse(readFileSync(crdFile, 'utf8')) as CrdDocument;
  const schema = crd.spec.versions.find((v) => v.name === version)?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${crdFile} has no schema for ${crd.spec.group}/${version}`);
  // Kubernetes formats (int32, int64) and extensions (x-kubernetes-*) are not JSON Schema; types and fields are what matter here.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(strict(schema) as Schema);
  const describe = (e: ErrorObject) =>
    `${e.instancePath || '/'}: ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`;
  return (object) => (validate(object) ? [] : (validate.errors ?? []).map(describe));
}
