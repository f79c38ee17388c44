/**
 * How much a sample shows: confidence bounds of a rate (Clopper-Pearson or Wilson) and of a quantile (order
 * statistics), and how many samples a bound would need. A gate passes only when such a bound is within its bound.
 * Pure numerics, no dependency.
 * @see ../../shared/FIELD-NOTES.md, "Binomial evidence"
 */

/** How a rate's interval is computed: exact (Clopper-Pearson, conservative) or Wilson's score interval. */
export type RateMethod = 'clopper-pearson' | 'wilson';

/** An interval around a measured value: each end is a one-sided bound at `confidence` (null: no bound exists). */
export interface ConfidenceInterval {
  lower: number | null;
  upper: number | null;
  confidence: number;
  method: RateMethod | 'order-statistics' | 'hodges-lehmann';
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(x, a, b)) / a : 1 - (front * betaFraction(1 - x, b, a)) / b;
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return regularizedBeta(1 - p, n - k, k + 1);
}

/** Solves f(x) = target on [0, 1] for f increasing in x, by bisection. */
function solveIncreasing(f: (x: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x = -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  return x;
}

/**
 * The interval of a rate of `k` events in `n` trials; each end a one-sided bound at `confidence`.
 * @see https://en.wikipedia.org/wiki/Binomial_proportion_confidence_interval
 */
export function rateInterval(k: number, n: number, confidence: number, method: RateMethod): ConfidenceInterval {
  if (n <= 0) return { lower: null, upper: null, confidence, method };
  if (method === 'wilson') {
    const z = normalQuantile(confidence);
    const p = k / n;
    const z2 = z * z;
    const centre = p + z2 / (2 * n);
    const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
    const scale = 1 + z2 / n;
    return {
      lower: k === 0 ? 0 : Math.max(0, (centre - spread) / scale),
      upper: k === n ? 1 : Math.min(1, (centre + spread) / scale),
      confidence,
      method,
    };
  }
  // Clopper-Pearson: the upper end u solves P(X <= k | u) = 1 - confidence, the lower end l solves P(X >= k | l) = 1 - confidence.
  const upper = k >= n ? 1 : solveIncreasing((u) => 1 - binomialCdf(k, n, u), confidence);
  const lower = k <= 0 ? 0 : solveIncreasing((l) => 1 - binomialCdf(k - 1, n, l), 1 - confidence);
  return { lower, upper, confidence, method };
}

/** Upper bound of a rate: exposed for the property tests and the messages. */
export function rateUpperBound(k: number, n: number, confidence: number, method: RateMethod): number {
  return rateInterval(k, n, confidence, method).upper ?? 1;
}

/** Smallest integer in [lo, hi] for which `ok` holds, given `ok` is monotone (false ... true); null if none. */
function smallest(lo: number, hi: number, ok: (n: number) => boolean): number | null {
  let top = lo;
  while (!ok(top)) {
    if (top >= hi) return null;
    top = Math.min(hi, Math.max(top * 2, top + 1));
  }
  let bottom = lo;
  while (bottom < top) {
    const mid = Math.floor((bottom + top) / 2);
    if (ok(mid)) top = mid;
    else bottom = mid + 1;
  }
  return top;
}

/** Beyond this many samples a bound is called out of reach. */
const MAX_NEEDED = 1e9;

/**
 * How many trials in all would show the rate at or below `bound`, were the observed rate to go on (with no event
 * so far: how many clean trials). Null when the observed rate is at or above the bound: no amount would.
 */
export function rateSamplesNeeded(k: number, n: number, bound: number, confidence: number, method: RateMethod): number | null {
  const observed = n > 0 ? k / n : 0;
  if (observed >= bound) return null;
  return smallest(Math.max(1, n), MAX_NEEDED, (m) => rateUpperBound(Math.round(observed * m), m, confidence, method) <= bound);
}

/**
 * 1-based ranks of the order statistics that bound the p-quantile (0 < p < 1) of a sample of n, each one-sided at
 * `confidence`: X(upper) >= the quantile with probability >= confidence, X(lower) <= it likewise. Null when even the
 * largest (smallest) sample is not enough: p(99) on 50 samples has no upper bound.
 * @see https://en.wikipedia.org/wiki/Order_statistic (distribution-free confidence intervals for quantiles)
 */
export function quantileRanks(n: number, p: number, confidence: number): { lower: number | null; upper: number | null } {
  if (n <= 0) return { lower: null, upper: null };
  // P(X(k) >= q) = P(Binomial(n, p) <= k - 1): the smallest k reaching the level.
  const upper = smallest(1, n, (k) => binomialCdf(k - 1, n, p) >= confidence);
  // P(X(k) <= q) = P(Binomial(n, p) >= k): the largest k reaching the level.
  let lower: number | null = null;
  if (1 - binomialCdf(0, n, p) >= confidence) {
    let lo = 1;
    let hi = n;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (1 - binomialCdf(mid - 1, n, p) >= confidence) lo = mid;
      else hi = mid - 1;
    }
    lower = lo;
  }
  return { lower, upper };
}

/** The order-statistics interval of the percentile `percentile` (0-100) of sorted values. */
export function quantileInterval(sorted: ArrayLike<number>, percentile: number, confidence: number): ConfidenceInterval {
  const ranks = quantileRanks(sorted.length, percentile / 100, confidence);
  return {
    lower: ranks.lower === null ? null : (sorted[ranks.lower - 1] as number),
    upper: ranks.upper === null ? null : (sorted[ranks.upper - 1] as number),
    confidence,
    method: 'order-statistics',
  };
}

/**
 * How many samples would put the percentile's upper bound at or below `bound`, were the observed share of samples
 * within the bound to go on. Null when that share is not above the percentile: no amount would.
 */
export function quantileSamplesNeeded(sorted: ArrayLike<number>, percentile: number, bound: number, confidence: number): number | null {
  const n = sorted.length;
  let within = 0;
  while (within < n && (sorted[within] as number) <= bound) within++;
  return quantileSamplesNeededAt(n, n > 0 ? within / n : 1, percentile, confidence);
}

/** The same from a sample's size and the share of it within the bound (for sliding windows, which keep no sorted copy). */
export function quantileSamplesNeededAt(n: number, shareWithin: number, percentile: number, confidence: number): number | null {
  const p = percentile / 100;
  if (shareWithin <= p) return null;
  return smallest(Math.max(1, n), MAX_NEEDED, (m) => {
    const upper = quantileRanks(m, p, confidence).upper;
    return upper !== null && upper <= Math.floor(shareWithin * m);
  });
}
