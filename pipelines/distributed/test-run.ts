import { stringify } from 'yaml';
import type { DistributedConfig } from '../../config/distributed-schema.ts';

/** What a k6-operator run needs beyond the config: the archived scenario and the plan inside it. */
export interface TestRunInput {
  /** TestRun and ConfigMap name (a Kubernetes name). */
  name: string;
  /** `k6 archive` of the scenario: the script, its imports, the plan it opens, and the options. */
  archive: Uint8Array;
  /** The run plan the archive holds, also stored readable beside it. */
  plan: unknown;
  operator: DistributedConfig['k6Operator'];
  /** Labels put on both objects. */
  labels?: Record<string, string>;
}

/** The key of the archive in the ConfigMap, and the script k6-operator runs. */
export const ARCHIVE_KEY = 'archive.tar';
export const PLAN_KEY = 'plan.json';
/** Environment variable every runner pod gets with its own pod name, used to name its NDJSON file. */
export const RUNNER_NAME_ENV = 'CROSSWIND_RUNNER';
export const RESULTS_DIR = '/results';

/**
 * Pure: the two objects of a distributed run, as one multi-document YAML: a ConfigMap holding the k6 archive of the
 * scenario (binary) and its run plan (readable), and the k6-operator TestRun that runs the archive on `parallelism`
 * runners. k6-operator gives each runner one execution segment of the load and tags its points
 * `instance_id=<n>`; each runner writes its NDJSON to the shared results volume as `<pod name>.ndjson`
 * (`$(CROSSWIND_RUNNER)` is expanded by Kubernetes from the pod's own name). k6-operator does not merge the
 * runners' results or thresholds; `crosswind gate --results /results/*.ndjson` does.
 * @see https://grafana.com/docs/k6/latest/set-up/set-up-distributed-k6/usage/executing-k6-scripts-with-testrun-crd/
 */
export function testRunManifest(input: TestRunInput): string {
  const { name, operator } = input;
  const labels = { 'app.kubernetes.io/managed-by': 'crosswind', ...input.labels };
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: operator.namespace, labels },
    data: { [PLAN_KEY]: `${JSON.stringify(input.plan, null, 2)}\n` },
    binaryData: { [ARCHIVE_KEY]: Buffer.from(input.archive).toString('base64') },
  };
  const args = ['--out', `json=${RESULTS_DIR}/$(${RUNNER_NAME_ENV}).ndjson`, ...operator.arguments];
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name, namespace: operator.namespace, labels },
    spec: {
      parallelism: operator.parallelism,
      separate: operator.separate,
      ...(operator.cleanup ? { cleanup: 'post' } : {}),
      script: { configMap: { name, file: ARCHIVE_KEY } },
      arguments: args.join(' '),
      runner: {
        image: operator.runnerImage,
        env: [{ name: RUNNER_NAME_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: operator.resultsClaim } }],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
      },
    },
  };
  return [configMap, testRun].map((doc) => `---\n${stringify(doc, { lineWidth: 0 })}`).join('');
}
