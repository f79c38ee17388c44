/**
 * Rollout settings for tests about something other than the verdict (ledgers, kills, children): each wave's steady
 * state is 3 s at 40 requests a second, 120 samples, enough to show p(95) and a 5 % error rate within their bounds
 * (59 would do with none failed), so the run reaches its deploy hook within seconds.
 */
export const SHORT_ROLLOUT = { baselineDuration: '3s', rate: 40, maxErrorRate: 0.05, latencyPercentile: 95 } as const;
