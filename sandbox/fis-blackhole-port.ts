import type { FaultSet } from './region-app/faults.ts';

// `aws:ecs:task-network-blackhole-port` in the sandbox: traffic from a region's tasks to one port dropped, which
// breaks the dependency that listens there. The sandbox's dependencies are simulated inside the region app, each at
// the port it would have in AWS; egress to that port takes the dependency down (its deep health reports it down, and
// a critical one turns `/health` into a 503).
// @see https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html#task-network-blackhole-port

/** The port each simulated dependency of a region app listens on. */
export const DEPENDENCY_PORTS: Readonly<Record<string, number>> = { database: 5432, cache: 6379, downstream: 443 };

/** What blackholing `port` does to a region app, or why the sandbox cannot say. */
export function blackholePort(parameters: Record<string, string>): { fault: FaultSet } | { unsupported: string } {
  const port = Number(parameters.port);
  const protocol = (parameters.protocol ?? 'tcp').toLowerCase();
  const direction = (parameters.trafficType ?? 'ingress').toLowerCase();
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return { unsupported: `port "${parameters.port}" is not a port number` };
  if (protocol !== 'tcp' && protocol !== 'udp') return { unsupported: `protocol "${parameters.protocol}" (expected tcp or udp)` };
  if (direction !== 'egress') {
    return { unsupported: `trafficType "${parameters.trafficType ?? 'ingress'}": the sandbox breaks dependencies, which needs egress` };
  }
  const dependency = Object.keys(DEPENDENCY_PORTS).find((d) => DEPENDENCY_PORTS[d] === port);
  if (!dependency) {
    const known = Object.entries(DEPENDENCY_PORTS).map(([d, p]) => `${d} ${p}`);
    return { unsupported: `no sandbox dependency listens on port ${port} (${known.join(', ')})` };
  }
  return { fault: { dependenciesDown: [dependency] } };
}
