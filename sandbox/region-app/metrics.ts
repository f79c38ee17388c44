// What a region app counts between two scrapes, as a load balancer and a global table would report it.

/** A running summary of values (a CloudWatch statistic set). */
export interface StatSet {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** What the app counted since the last scrape. */
export interface AppMetrics {
  /** Public requests, `/health` excluded (load balancer metrics do not count health checks). */
  requests: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  /** Response time in ms, added latency included. */
  latencyMs: StatSet;
  /** Time from a write in another region until it was applied here, in ms. */
  replicationLatencyMs: StatSet;
  /** Writes waiting to leave this region. */
  pendingReplication: number;
}

function emptyStats(): StatSet {
  return { count: 0, sum: 0, min: 0, max: 0 };
}

/** Counters as they stand at start and after each scrape. */
export function zeroMetrics(): AppMetrics {
  return {
    requests: 0,
    status2xx: 0,
    status4xx: 0,
    status5xx: 0,
    latencyMs: emptyStats(),
    replicationLatencyMs: emptyStats(),
    pendingReplication: 0,
  };
}

/** Adds one value to a statistic set. */
export function addStat(s: StatSet, v: number): void {
  s.min = s.count === 0 ? v : Math.min(s.min, v);
  s.max = s.count === 0 ? v : Math.max(s.max, v);
  s.count += 1;
  s.sum += v;
}

/** The app's counters, scraped and reset together so each scrape covers the interval since the previous one. */
export class MetricsCounter {
  private metrics = zeroMetrics();

  /** One public response, by status and time taken. */
  response(status: number, ms: number): void {
    const m = this.metrics;
    m.requests += 1;
    if (status >= 500) m.status5xx += 1;
    else if (status >= 400) m.status4xx += 1;
    else m.status2xx += 1;
    addStat(m.latencyMs, ms);
  }

  /** One replicated write applied here, `ms` after it was made elsewhere. */
  replicated(ms: number): void {
    addStat(this.metrics.replicationLatencyMs, ms);
  }

  /** Everything counted since the last scrape, with the replication backlog as it stands; resets the counters. */
  scrape(pendingReplication: number): AppMetrics {
    const out = { ...this.metrics, pendingReplication };
    this.metrics = zeroMetrics();
    return out;
  }
}
