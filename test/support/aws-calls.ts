import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { REPO } from './cli.ts';

// Which AWS API calls crosswind's code can make, read from the source: the SDK v3 commands each file imports as
// values, attributed to the CLI commands whose imports (static, and dynamic with a literal path) reach that file.

/** One AWS API operation some file can send, and where it was found. */
export interface AwsCall {
  /** The SDK package it comes from, e.g. `@aws-sdk/client-route-53`. */
  pkg: string;
  /** The API operation, e.g. `UpdateHealthCheck`. */
  operation: string;
  /** The file (relative to the repo) that imports its command. */
  file: string;
}

/** What one source file contributes: the files it imports and the AWS operations it can send. */
export interface SourceFacts {
  imports: string[];
  calls: AwsCall[];
  /** AWS SDK imports this reader cannot turn into operations (aggregated clients, waiters, unknown packages). */
  unreadable: string[];
}

/**
 * IAM service prefix of each SDK v3 client package. The prefix is not the package name (`client-route-53` is
 * `route53`) nor the signing name (`client-cloudwatch` signs as `monitoring`): a package missing here fails the
 * check, so whoever adds a client says which prefix its actions have.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-cloudwatch-logs': 'logs',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-ecs': 'ecs',
  '@aws-sdk/client-elastic-load-balancing-v2': 'elasticloadbalancing',
  '@aws-sdk/client-eventbridge': 'events',
  '@aws-sdk/client-fis': 'fis',
  '@aws-sdk/client-lambda': 'lambda',
  '@aws-sdk/client-route-53': 'route53',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-scheduler': 'scheduler',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-sts': 'sts',
};

/**
 * The DynamoDB document client's commands are named after the item operations without `Item`.
 * @see https://docs.aws.amazon.com/AWSJavaScriptSDK/v3/latest/Package/-aws-sdk-lib-dynamodb/
 */
const DOCUMENT_CLIENT: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** A permission a call needs: an IAM action, or `iam:PassRole` to one service (`iam:PassRole→fis.amazonaws.com`). */
export type Permission = string;

/** The permission key for passing a role to a service, as the policy's `iam:PassedToService` condition names it. */
export const passRole = (service: string): Permission => `iam:PassRole→${service}`;

/**
 * API operations whose IAM actions are not `<prefix>:<operation>`: renamed, split into several, or needing a role
 * passed. `null`: the operation has no action of its own (its items decide), so the reader cannot say which to allow.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsfaultinjectionservice.html
 */
export const IAM_ACTIONS: Readonly<Record<string, readonly Permission[] | null>> = {
  // FIS assumes the experiment role named in the template: creating it passes that role. Tags given at creation
  // (crosswind tags every template and experiment with its fault id) are authorised as fis:TagResource.
  'fis:CreateExperimentTemplate': ['fis:CreateExperimentTemplate', 'fis:TagResource', passRole('fis.amazonaws.com')],
  'fis:UpdateExperimentTemplate': ['fis:UpdateExperimentTemplate', passRole('fis.amazonaws.com')],
  'fis:StartExperiment': ['fis:StartExperiment', 'fis:TagResource'],
  // EventBridge Scheduler assumes the schedule's execution role.
  'scheduler:CreateSchedule': ['scheduler:CreateSchedule', passRole('scheduler.amazonaws.com')],
  'scheduler:UpdateSchedule': ['scheduler:UpdateSchedule', passRole('scheduler.amazonaws.com')],
  // A task's role and execution role are passed to ECS.
  'ecs:RunTask': ['ecs:RunTask', passRole('ecs-tasks.amazonaws.com')],
  'ecs:StartTask': ['ecs:StartTask', passRole('ecs-tasks.amazonaws.com')],
  'lambda:Invoke': ['lambda:InvokeFunction'],
  'lambda:InvokeWithResponseStream': ['lambda:InvokeFunction'],
  's3:HeadObject': ['s3:GetObject'],
  's3:HeadBucket': ['s3:ListBucket'],
  's3:ListObjects': ['s3:ListBucket'],
  's3:ListObjectsV2': ['s3:ListBucket'],
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
  's3:CreateMultipartUpload': ['s3:PutObject'],
  's3:UploadPart': ['s3:PutObject'],
  's3:CompleteMultipartUpload': ['s3:PutObject'],
  's3:DeleteObjects': ['s3:DeleteObject'],
  's3:ListParts': ['s3:ListMultipartUploadParts'],
  's3:ListMultipartUploads': ['s3:ListBucketMultipartUploads'],
  'dynamodb:TransactGetItems': ['dynamodb:GetItem'],
  // Authorised item by item (PutItem, UpdateItem, DeleteItem, ConditionCheckItem): list the ones the code uses.
  'dynamodb:TransactWriteItems': null,
  // PartiQL statements are authorised as dynamodb:PartiQLSelect/Insert/Update/Delete, by statement.
  'dynamodb:ExecuteStatement': null,
  'dynamodb:BatchExecuteStatement': null,
  'dynamodb:ExecuteTransaction': null,
};

const sdkRequire = createRequire(join(REPO, 'package.json'));

/** True when `name` is the package's aggregated client (`new Route53().getHealthCheck()`), whose calls hide in methods. */
function isAggregatedClient(pkg: string, name: string): boolean {
  // Clients, errors and enums are what most imports are: no need to load the package for them.
  if (/(Client|Exception)$/.test(name) || !/^[A-Z]/.test(name)) return false;
  try {
    const mod = sdkRequire(pkg) as Record<string, unknown>;
    const cls = mod[name];
    const base = mod[`${name}Client`];
    return typeof cls === 'function' && typeof base === 'function' && cls.prototype instanceof base;
  } catch {
    return false;
  }
}

/** The operation a value imported from an SDK package sends, if any: `XCommand` and `paginateX` send X. */
function operationOf(pkg: string, name: string): { operation?: string; unreadable?: string } {
  const paginated = /^paginate([A-Z]\w*)$/.exec(name);
  if (paginated) return { operation: paginated[1] as string };
  if (/^waitUntil|^waitFor/.test(name))
    return { unreadable: `${pkg} ${name}: a waiter's calls are not named by it; send the commands yourself` };
  const command = /^(\w+)Command$/.exec(name);
  if (command) {
    const op = command[1] as string;
    return { operation: pkg === '@aws-sdk/lib-dynamodb' ? (DOCUMENT_CLIENT[op] ?? op) : op };
  }
  if (isAggregatedClient(pkg, name)) {
    return { unreadable: `${pkg} ${name}: the aggregated client hides its calls in methods; use ${name}Client and send commands` };
  }
  return {};
}

const SDK_PACKAGE = /^@aws-sdk\//;

/** Packages that only describe or sign calls, never make one of their own. */
const CALLS_NOTHING = new Set(['@aws-sdk/types']);

/** The names a file reads from `import * as ns`: its `ns.X` member accesses. */
const membersOf = (namespace: string, text: string) =>
  [...text.matchAll(new RegExp(`\\b${namespace}\\.(\\w+)`, 'g'))].map((m) => m[1] as string);

/** The values a static import of an SDK package brings in (type-only ones bring none). */
function staticImportNames(clause: ts.ImportClause | undefined, text: string): string[] {
  if (clause?.isTypeOnly) return [];
  const names: string[] = clause?.name ? ['default'] : [];
  const bindings = clause?.namedBindings;
  if (bindings && ts.isNamedImports(bindings)) {
    for (const el of bindings.elements) if (!el.isTypeOnly) names.push((el.propertyName ?? el.name).text);
  } else if (bindings && ts.isNamespaceImport(bindings)) names.push(...membersOf(bindings.name.text, text));
  return names;
}

/**
 * The values a dynamic `import('@aws-sdk/...')` brings in: the names destructured from it (through `await`, a
 * conditional or parentheses), a member read straight off it, or the members read off the name it is bound to.
 * Undefined when the module escapes where this cannot follow it.
 */
function dynamicImportNames(call: ts.CallExpression, text: string): string[] | undefined {
  let child: ts.Node = call;
  let node = call.parent;
  while (ts.isAwaitExpression(node) || ts.isParenthesizedExpression(node) || ts.isConditionalExpression(node) || ts.isAsExpression(node)) {
    child = node;
    node = node.parent;
  }
  if (ts.isPropertyAccessExpression(node) && node.expression === child) return [node.name.text];
  if (!ts.isVariableDeclaration(node) || node.initializer !== child) return undefined;
  if (ts.isIdentifier(node.name)) return membersOf(node.name.text, text);
  if (ts.isObjectBindingPattern(node.name))
    return node.name.elements.map((e) => (e.propertyName ?? e.name).getText().replace(/^['"]|['"]$/g, ''));
  return undefined;
}

/** Records the operations the values imported from an SDK package send, or why they cannot be read. */
function sdkImport(file: string, pkg: string, names: readonly string[], facts: SourceFacts) {
  if (CALLS_NOTHING.has(pkg)) return;
  for (const name of new Set(names)) {
    if (!(pkg in IAM_PREFIX)) {
      // A package whose prefix is unknown (or a credential provider, a presigner...) could call anything.
      facts.unreadable.push(`${pkg} ${name}: unknown AWS SDK package; add its IAM prefix to IAM_PREFIX in test/support/aws-calls.ts`);
      continue;
    }
    const { operation, unreadable } = operationOf(pkg, name);
    if (operation) facts.calls.push({ pkg, operation, file });
    if (unreadable) facts.unreadable.push(unreadable);
  }
}

/** Resolves a relative import to a repo file (sources import `.ts` paths; a `.js` path may stand for a `.ts` file). */
function resolveImport(from: string, spec: string, root: string): string {
  const path = normalize(join(dirname(from), spec));
  if (existsSync(join(root, path))) return path;
  const ts = path.replace(/\.(m?)js$/, '.$1ts');
  if (existsSync(join(root, ts))) return ts;
  throw new Error(`${from}: cannot resolve import '${spec}'`);
}

/**
 * Pure of the file system but for `root`: the relative imports of one source text that load code (type-only ones
 * do not), including dynamic `import('...')` with a literal path, and the AWS operations it imports.
 */
export function sourceFacts(file: string, text: string, root = REPO): SourceFacts {
  const facts: SourceFacts = { imports: [], calls: [], unreadable: [] };
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const relativeSpec = (node: ts.Expression | undefined) => (node && ts.isStringLiteralLike(node) ? node.text : undefined);
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const spec = relativeSpec(node.moduleSpecifier) as string;
      if (spec.startsWith('.')) {
        if (!node.importClause?.isTypeOnly) facts.imports.push(resolveImport(file, spec, root));
      } else if (SDK_PACKAGE.test(spec)) sdkImport(file, spec, staticImportNames(node.importClause, text), facts);
    } else if (ts.isExportDeclaration(node)) {
      const spec = relativeSpec(node.moduleSpecifier);
      if (spec?.startsWith('.') && !node.isTypeOnly) facts.imports.push(resolveImport(file, spec, root));
      else if (spec && SDK_PACKAGE.test(spec) && !node.isTypeOnly)
        facts.unreadable.push(`${file}: re-exports ${spec}; import the commands where they are sent`);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = relativeSpec(node.arguments[0]);
      if (spec?.startsWith('.')) facts.imports.push(resolveImport(file, spec, root));
      else if (spec && SDK_PACKAGE.test(spec)) {
        const names = dynamicImportNames(node, text);
        if (names) sdkImport(file, spec, names, facts);
        else facts.unreadable.push(`${file}: imports ${spec} dynamically into something it cannot follow; destructure the names it uses`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return facts;
}

/** Parsed files by root, path and text: the modes share most of their files, and parsing is the slow part. */
const parsed = new Map<string, SourceFacts>();

function factsOf(file: string, root: string): SourceFacts {
  const text = readFileSync(join(root, file), 'utf8');
  const key = `${root}\0${file}\0${text}`;
  let facts = parsed.get(key);
  if (!facts) {
    facts = sourceFacts(file, text, root);
    parsed.set(key, facts);
  }
  return facts;
}

/** Every file reachable from the entry files through imports that load code, with what each contributes. */
export function reachableFacts(entries: readonly string[], root = REPO): Map<string, SourceFacts> {
  const seen = new Map<string, SourceFacts>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    const facts = factsOf(file, root);
    seen.set(file, facts);
    queue.push(...facts.imports);
  }
  return seen;
}

/** Pure: the IAM permissions an operation needs; `undefined` when it has no action of its own. */
export function permissionsOf(call: Pick<AwsCall, 'pkg' | 'operation'>): Permission[] | undefined {
  const prefix = IAM_PREFIX[call.pkg];
  if (!prefix) return undefined;
  const action = `${prefix}:${call.operation}`;
  const mapped = IAM_ACTIONS[action];
  if (mapped === null) return undefined;
  return [...(mapped ?? [action])];
}

/** The permissions the code reachable from some entry files needs, each with the files that call for it. */
export interface DerivedPermissions {
  /** Permission → the calls that need it (`route53:UpdateHealthCheck` ← `chaos/health-check-fault.ts UpdateHealthCheck`). */
  needed: Map<Permission, string[]>;
  /** Calls or imports the reader cannot turn into permissions: each must be fixed, never ignored. */
  unreadable: string[];
}

/** What the code reachable from `entries` can call, as IAM permissions. */
export function derivePermissions(entries: readonly string[], root = REPO): DerivedPermissions {
  const needed = new Map<Permission, string[]>();
  const unreadable: string[] = [];
  for (const [file, facts] of reachableFacts(entries, root)) {
    unreadable.push(...facts.unreadable.map((u) => (u.startsWith(file) ? u : `${file}: ${u}`)));
    for (const call of facts.calls) {
      const permissions = permissionsOf(call);
      if (!permissions) {
        unreadable.push(`${file}: ${call.operation} has no IAM action of its own; map it in IAM_ACTIONS in test/support/aws-calls.ts`);
        continue;
      }
      for (const p of permissions) needed.set(p, [...(needed.get(p) ?? []), `${call.file} ${call.operation}`]);
    }
  }
  return { needed, unreadable };
}
