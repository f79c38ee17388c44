export declare const K6_VERSION: string;
export declare const MOTO_VERSION: string;
export declare const MIN_GO: [number, number];
export declare const MIN_PYTHON: [number, number];
export interface Toolchain {
  k6: string;
  k6Version: string;
  motoServer: string;
  motoVersion: string;
  python: string;
}
export declare function cacheDir(env?: NodeJS.ProcessEnv): string;
export declare function toolchainFile(env?: NodeJS.ProcessEnv): string;
export declare function toolchain(env?: NodeJS.ProcessEnv): Toolchain;
