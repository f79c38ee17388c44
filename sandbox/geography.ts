// Where regions and vantages are, and the network latency between them. The sandbox scales real latencies down
// (a few ms to ~40 ms) so tests stay fast while the ordering (which region is nearest) stays realistic.

/** Approximate locations of AWS regions (latitude, longitude). */
const REGION_LOCATIONS: Record<string, [number, number]> = {
  'us-east-1': [38.9, -77.4],
  'us-east-2': [40.0, -83.0],
  'us-west-1': [37.4, -121.9],
  'us-west-2': [45.8, -119.7],
  'ca-central-1': [45.5, -73.6],
  'sa-east-1': [-23.5, -46.6],
  'eu-west-1': [53.3, -6.3],
  'eu-west-2': [51.5, -0.1],
  'eu-west-3': [48.9, 2.4],
  'eu-central-1': [50.1, 8.7],
  'eu-north-1': [59.3, 18.1],
  'eu-south-1': [45.5, 9.2],
  'ap-northeast-1': [35.7, 139.7],
  'ap-northeast-2': [37.6, 127.0],
  'ap-northeast-3': [34.7, 135.5],
  'ap-southeast-1': [1.3, 103.8],
  'ap-southeast-2': [-33.9, 151.2],
  'ap-south-1': [19.1, 72.9],
  'ap-east-1': [22.3, 114.2],
  'me-south-1': [26.1, 50.6],
  'af-south-1': [-33.9, 18.4],
};

/** Named client locations: a vantage called `vantage-eu` sits in Europe, and so on. */
const VANTAGE_LOCATIONS: Record<string, [number, number]> = {
  'vantage-us-east': [40.7, -74.0],
  'vantage-us-west': [37.8, -122.4],
  'vantage-eu': [50.1, 8.7],
  'vantage-ap': [35.7, 139.7],
  'vantage-sa': [-23.5, -46.6],
  'vantage-au': [-33.9, 151.2],
  'vantage-in': [19.1, 72.9],
};

/** The vantage that sits in each region's geography. */
const VANTAGE_FOR_REGION: Record<string, string> = {
  us: 'vantage-us-east',
  'us-west': 'vantage-us-west',
  ca: 'vantage-us-east',
  eu: 'vantage-eu',
  ap: 'vantage-ap',
  sa: 'vantage-sa',
  me: 'vantage-in',
  af: 'vantage-eu',
};

/** A vantage to place: a name, optionally pinned to a region's location with `name@region`. */
export interface VantageSpec {
  name: string;
  location: [number, number];
}

export function isKnownRegion(region: string): boolean {
  return region in REGION_LOCATIONS;
}

function regionLocation(region: string): [number, number] {
  return REGION_LOCATIONS[region] ?? [0, 0];
}

/** Great-circle distance in km. */
function distanceKm(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** One-way latency in ms: 1 ms base plus 1 ms per 300 km, capped at 40 ms (real values scaled down ~3x). */
export function latencyMs(from: [number, number], region: string): number {
  return Math.min(40, 1 + Math.round(distanceKm(from, regionLocation(region)) / 300));
}

/**
 * Parses vantage specs: `vantage-eu` (a known place), `edge-x@eu-west-1` (placed at a region). Returns problems for
 * names it cannot place.
 */
export function parseVantageSpecs(specs: string[]): { vantages: VantageSpec[]; problems: string[] } {
  const vantages: VantageSpec[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    const [name = '', at] = spec.split('@');
    if (at !== undefined) {
      if (!isKnownRegion(at)) problems.push(`vantage "${spec}": unknown region "${at}"`);
      else vantages.push({ name, location: regionLocation(at) });
      continue;
    }
    const known = VANTAGE_LOCATIONS[name];
    if (known) vantages.push({ name, location: known });
    else if (isKnownRegion(name)) vantages.push({ name: `vantage-${name}`, location: regionLocation(name) });
    else problems.push(`vantage "${spec}": expected one of ${Object.keys(VANTAGE_LOCATIONS).join(', ')}, or name@region`);
  }
  return { vantages, problems };
}

/** Default vantages: one in each region's geography, plus one more where no region is (users far from every region). */
export function defaultVantages(regions: string[]): VantageSpec[] {
  const names: string[] = [];
  for (const region of regions) {
    const key = region.startsWith('us-west') ? 'us-west' : (region.split('-')[0] ?? '');
    const name = VANTAGE_FOR_REGION[key] ?? `vantage-${region}`;
    if (!names.includes(name)) names.push(name);
  }
  const extra = ['vantage-ap', 'vantage-sa', 'vantage-au', 'vantage-in'].find((n) => !names.includes(n));
  if (extra) names.push(extra);
  return names.map((name) => ({ name, location: VANTAGE_LOCATIONS[name] ?? regionLocation(name.replace(/^vantage-/, '')) }));
}

/** Latency from a vantage to each region, and the nearest region (ties go to the earlier region). */
export function latencyRow(vantage: VantageSpec, regions: string[]): { latencyMs: Record<string, number>; nearestRegion: string } {
  const row: Record<string, number> = {};
  let nearest = regions[0] ?? '';
  for (const region of regions) {
    row[region] = latencyMs(vantage.location, region);
    if ((row[region] ?? 0) < (row[nearest] ?? Number.POSITIVE_INFINITY)) nearest = region;
  }
  return { latencyMs: row, nearestRegion: nearest };
}
