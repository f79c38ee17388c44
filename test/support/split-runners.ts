interface RawLine {
  type: 'Metric' | 'Point';
  metric: string;
  data: { time?: string; value?: number; tags?: Record<string, string> };
}

/**
 * Splits one k6 NDJSON output into `n` files the way `n` k6-operator runners would have written it: each runner ran
 * its own share of the iterations (a request's built-in http_* points, and its `request_duration`/`request_failed`
 * twins, stay in one file), declares each metric once before its first point, and tags every point
 * `instance_id=<runner>` (k6-operator adds `--tag instance_id=<n>` to each runner).
 */
export function splitAsRunners(ndjson: string, n: number): string[] {
  const lines = ndjson
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RawLine);
  const declarations = new Map(lines.filter((l) => l.type === 'Metric').map((l) => [l.metric, l]));
  const runnerOfRequest = new Map<string, number>(); // `${time}` of a request's http_* points → runner
  const runnerOfDuration = new Map<string, number>(); // `${vantage}|${value}` of http_req_duration → runner
  const lastTwin = new Map<string, number>(); // vantage → runner of the latest request_duration point
  let requests = 0;
  let other = 0;
  const runnerOf = (l: RawLine): number => {
    const tags = l.data.tags ?? {};
    const vantage = tags.vantage ?? '';
    if (l.metric.startsWith('http_req')) {
      const key = l.data.time ?? '';
      let r = runnerOfRequest.get(key);
      if (r === undefined) {
        r = requests++ % n;
        runnerOfRequest.set(key, r);
      }
      if (l.metric === 'http_req_duration') runnerOfDuration.set(`${vantage}|${l.data.value}`, r);
      return r;
    }
    if (l.metric === 'request_duration') {
      // The twin carries the same duration as its request's http_req_duration (res.timings.duration).
      const r = runnerOfDuration.get(`${vantage}|${l.data.value}`);
      if (r === undefined) throw new Error(`no request for request_duration ${l.data.value} at ${vantage}`);
      lastTwin.set(vantage, r);
      return r;
    }
    if (l.metric === 'request_failed') return lastTwin.get(vantage) ?? 0;
    return other++ % n;
  };
  const files: RawLine[][] = Array.from({ length: n }, () => []);
  const declared: Set<string>[] = Array.from({ length: n }, () => new Set());
  for (const l of lines) {
    if (l.type !== 'Point') continue;
    const r = runnerOf(l);
    const out = files[r] as RawLine[];
    const decl = declarations.get(l.metric);
    if (decl && !(declared[r] as Set<string>).has(l.metric)) {
      out.push(decl);
      (declared[r] as Set<string>).add(l.metric);
    }
    out.push({ ...l, data: { ...l.data, tags: { ...l.data.tags, instance_id: String(r) } } });
  }
  return files.map((f) => `${f.map((l) => JSON.stringify(l)).join('\n')}\n`);
}
