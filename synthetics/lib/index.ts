// `crosswind/k6`: the helpers a user's own k6 script imports to produce what crosswind judges: the VU tags
// (`scenario`, `vantage`, `target_region`), the serving region read from each response (`served_by`), and the
// request metrics tagged with it (`request_duration`, `request_failed`). k6 resolves only relative, absolute and
// remote module paths, so a k6 script reaches this file by its path in node_modules:
//   import { send, tagOrigin } from './node_modules/crosswind/synthetics/lib/index.ts';
// A bundler (esbuild, webpack) resolves the bare `crosswind/k6` through the package's exports instead.

export type { ServedByRule } from '../plan.ts';
export { type DependencyCheck, type HealthReport, isHealthyStatus, isServingStatus, readHealth } from './health.ts';
export { requestDuration, requestFailed } from './metrics.ts';
export {
  type Answer,
  type BatchItem,
  isExpected,
  jsonHeaders,
  type RequestOptions,
  type RequestOrigin,
  repeatedSend,
  send,
  sendBatch,
  tagOrigin,
} from './request.ts';
export { jsonBody, servedBy, UNKNOWN_REGION } from './served-by.ts';
