import { lnGamma, normalQuantile } from './evidence.ts';
import { mannWhitney, median } from './mann-whitney.ts';
import { percentileSorted, sortedCopy } from './series.ts';

/**
 * Two samples of one metric compared the way a canary analysis should: by how much the candidate moved (the
 * Hodges-Lehmann shift, with its distribution-free confidence interval), whether it fails more often (Fisher's
 * exact test), and whether it got noisier (a spread check), not by a median ratio and a p-value alone. Pure.
 * @see https://github.com/spinnaker/kayenta/issues/780 (a noisier canary passes), /521 (show the evidence)
 */

/** The shift of the candidate against the baseline: the median of all pairwise differences, and its interval. */
export interface Shift {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
}

/** Pairs (candidate i, baseline j) whose difference is at most `d`: two pointers over the sorted samples. */
function pairsAtMost(x: Float64Array, y: Float64Array, d: number): number {
  let count = 0;
  let j = 0; // first baseline value >= x_i - d
  for (let i = 0; i < x.length; i++) {
    const threshold = (x[i] as number) - d;
    while (j < y.length && (y[j] as number) < threshold) j++;
    count += y.length - j;
  }
  return count;
}

/** The k-th smallest (1-based) of the pairwise differences x_i - y_j, without listing them. */
function kthDifference(x: Float64Array, y: Float64Array, k: number): number {
  let lo = (x[0] as number) - (y[y.length - 1] as number);
  let hi = (x[x.length - 1] as number) - (y[0] as number);
  for (let step = 0; step < 200 && hi - lo > 1e-9 * Math.max(1, Math.abs(hi)); step++) {
    const mid = lo + (hi - lo) / 2;
    if (pairsAtMost(x, y, mid) >= k) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The Hodges-Lehmann estimate of the shift (candidate minus baseline) and its two-sided confidence interval from
 * the order statistics of the pairwise differences (Moses' interval, normal approximation of the rank).
 * @see https://en.wikipedia.org/wiki/Hodges%E2%80%93Lehmann_estimator
 */
export function hodgesLehmann(candidate: ArrayLike<number>, baseline: ArrayLike<number>, confidence: number): Shift {
  const x = sortedCopy(candidate);
  const y = sortedCopy(baseline);
  const n = x.length;
  const m = y.length;
  const pairs = n * m;
  const half = Math.floor((pairs + 1) / 2);
  const estimate = pairs % 2 === 1 ? kthDifference(x, y, half) : (kthDifference(x, y, half) + kthDifference(x, y, half + 1)) / 2;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const k = Math.max(1, Math.floor(pairs / 2 - z * Math.sqrt((n * m * (n + m + 1)) / 12)));
  return { estimate, lower: kthDifference(x, y, k), upper: kthDifference(x, y, pairs - k + 1), confidence };
}

function lnChoose(n: number, k: number): number {
  return lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
}

/**
 * One-sided Fisher's exact test: the probability of the candidate failing at least `a` of `n1` times when
 * failures (`a + b` of `n1 + n2`) fall on either side alike. Small means the candidate fails more often.
 * @see https://en.wikipedia.org/wiki/Fisher%27s_exact_test
 */
export function fisherGreater(a: number, n1: number, b: number, n2: number): number {
  const failures = a + b;
  const all = n1 + n2;
  const denominator = lnChoose(all, n1);
  let p = 0;
  for (let x = a; x <= Math.min(failures, n1); x++) {
    if (failures - x > n2) continue;
    p += Math.exp(lnChoose(failures, x) + lnChoose(all - failures, n1 - x) - denominator);
  }
  return Math.min(1, p);
}

/** Interquartile range (k6's percentile method). */
export function iqr(values: ArrayLike<number>): number {
  const sorted = sortedCopy(values);
  return percentileSorted(sorted, 75) - percentileSorted(sorted, 25);
}

/**
 * Whether the candidate is more spread out than `maxRatio` times the baseline: the ratio of their interquartile
 * ranges, and a Mann-Whitney test of each sample's distances from its own median, the baseline's scaled by
 * `maxRatio` (a rank test for scale, robust to the shift). With `maxRatio` 1 it asks "wider at all"; with the gate's
 * bound it asks "wider than allowed", so a spread a little over the bound by chance is no significant failure.
 */
export function spread(
  candidate: ArrayLike<number>,
  baseline: ArrayLike<number>,
  maxRatio = 1,
): { ratio: number; p: number; wider: boolean; candidateIqr: number; baselineIqr: number } {
  const deviations = (v: ArrayLike<number>, scale: number) => {
    const mid = median(v);
    return Float64Array.from({ length: v.length }, (_, i) => Math.abs((v[i] as number) - mid) * scale);
  };
  const test = mannWhitney(deviations(candidate, 1), deviations(baseline, maxRatio));
  const base = iqr(baseline);
  const mine = iqr(candidate);
  const ratio = base > 0 ? mine / base : mine > 0 ? Number.POSITIVE_INFINITY : 1;
  return { ratio, p: test.p, wider: test.z > 0, candidateIqr: mine, baselineIqr: base };
}
