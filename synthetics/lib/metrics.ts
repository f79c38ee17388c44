// Custom metrics every scenario shares. k6 fixes a request's tags before it is sent, so its built-in http_req_*
// metrics can never carry the region that answered; these twins are recorded after the response, with
// `served_by` (and the request's `status` and `name`) as tags. The VU tags (`scenario`, `vantage`,
// `target_region`) are added to both by k6.
import { Rate, Trend } from 'k6/metrics';

/**
 * Duration of each request (ms, k6's `http_req_duration`), tagged with `served_by`.
 * @see https://grafana.com/docs/k6/latest/javascript-api/k6-metrics/trend/
 */
export const requestDuration = new Trend('request_duration', true);

/**
 * 1 for a failed request (no response, or a status outside 200-399, as k6's `http_req_failed`), tagged with
 * `served_by`: the failures of a failover, and which region they came from.
 * @see https://grafana.com/docs/k6/latest/javascript-api/k6-metrics/rate/
 */
export const requestFailed = new Rate('request_failed');
