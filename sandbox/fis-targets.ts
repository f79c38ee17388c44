// Which sandbox region apps an FIS target names. Real FIS resolves ARNs and tags against the account's resources;
// in the sandbox each region app is one resource with one ARN and a fixed set of tags (see `regionTags`).
// @see https://docs.aws.amazon.com/fis/latest/userguide/targets.html

export interface TargetableRegion {
  name: string;
  /** The region app's resource ARN (an ECS task ARN). */
  arn: string;
  tags: Record<string, string>;
}

export interface FisTarget {
  resourceArns?: string[];
  resourceTags?: Record<string, string>;
  /** `ALL`, `COUNT(n)` or `PERCENT(n)`; default ALL. */
  selectionMode?: string;
}

/** The tags a region app carries, so templates can target it by tag as well as by ARN. */
export function regionTags(region: string): Record<string, string> {
  return { 'crosswind:app': 'sandbox', 'crosswind:region': region };
}

/** Resolves a target ARN to a sandbox region: the region app's own ARN, else any ARN in that region's partition slot. */
export function regionForArn<R extends TargetableRegion>(arn: string, regions: R[]): R | undefined {
  return regions.find((r) => r.arn === arn) ?? regions.find((r) => arn.split(':')[3] === r.name);
}

/**
 * The regions a target selects: by ARN, or by carrying every tag of `resourceTags`; then narrowed by the selection
 * mode. FIS picks COUNT and PERCENT subsets at random; the sandbox takes them in region order so a run is repeatable.
 * PERCENT rounds down, and a target that selects nothing selects nothing (FIS would fail the experiment instead).
 */
export function resolveTarget<R extends TargetableRegion>(target: FisTarget, regions: R[]): R[] {
  const selected: R[] = [];
  const add = (r: R | undefined) => {
    if (r && !selected.includes(r)) selected.push(r);
  };
  for (const arn of target.resourceArns ?? []) add(regionForArn(arn, regions));
  const tags = Object.entries(target.resourceTags ?? {});
  if (tags.length > 0) for (const r of regions) if (tags.every(([k, v]) => r.tags[k] === v)) add(r);
  const inOrder = regions.filter((r) => selected.includes(r));
  const mode = /^(COUNT|PERCENT)\((\d+)\)$/.exec(target.selectionMode ?? 'ALL');
  if (!mode) return inOrder;
  const n = Number(mode[2]);
  return inOrder.slice(0, mode[1] === 'COUNT' ? n : Math.floor((inOrder.length * n) / 100));
}
