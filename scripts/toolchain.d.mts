export declare const K6_VERSION: string;
export declare const MOTO_VERSION: string;
export declare const MIN_GO: [number, number];
export declare const MIN_PYTHON: [number, number];
export declare const ACTIONLINT_VERSION: string;
export declare const CFN_LINT_VERSION: string;
export declare const K6_OPERATOR_VERSION: string;
export declare const CHROMIUM_PATH: string;
export declare const NODE_VERSION: string;
export declare const TOOLCHAIN_SCHEMA: number;
export interface Toolchain {
  schema: number;
  k6: string;
  k6Version: string;
  motoServer: string;
  motoVersion: string;
  python: string;
  actionlint: string;
  actionlintVersion: string;
  cfnLint: string;
  cfnLintVersion: string;
  chromium: string;
  /** k6-operator's TestRun CustomResourceDefinition (YAML). */
  testRunCrd: string;
  k6OperatorVersion: string;
  /** The Node binary the suite runs on. */
  node: string;
  nodeVersion: string;
}
export declare function cacheDir(env?: NodeJS.ProcessEnv): string;
export declare function toolchainFile(env?: NodeJS.ProcessEnv): string;
export declare function toolchain(env?: NodeJS.ProcessEnv): Toolchain;
