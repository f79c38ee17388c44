import { percentileSorted, sortedCopy } from './series.ts';

/** The outcome of a two-sided Mann-Whitney U test of sample x against sample y. */
export interface MannWhitney {
  /** U of x: how many (x, y) pairs have x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value, normal approximation with tie and continuity corrections. */
  p: number;
  /** Standardised U (positive: x tends to be larger). */
  z: number;
  nx: number;
  ny: number;
}

/**
 * Complementary error function, |error| < 1.2e-7 (Numerical Recipes' erfcc, a Chebyshev fit), enough for p-values
 * compared with a significance level.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Two-sided Mann-Whitney U test. Both samples are sorted once and merged, giving tied values their average rank,
 * so it runs in O(n log n) on typed arrays. NaN p for an empty side.
 * @see https://en.wikipedia.org/wiki/Mann%E2%80%93Whitney_U_test (normal approximation, tie correction)
 */
export function mannWhitney(x: ArrayLike<number>, y: ArrayLike<number>): MannWhitney {
  const a = sortedCopy(x);
  const b = sortedCopy(y);
  const nx = a.length;
  const ny = b.length;
  if (nx === 0 || ny === 0) return { u: Number.NaN, p: Number.NaN, z: Number.NaN, nx, ny };
  let i = 0;
  let j = 0;
  let rank = 0; // ranks handed out so far
  let rankSumX = 0;
  let tieTerm = 0; // sum of t^3 - t over tie groups
  while (i < nx || j < ny) {
    const v = j >= ny || (i < nx && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    let cx = 0;
    let cy = 0;
    while (i < nx && a[i] === v) {
      i++;
      cx++;
    }
    while (j < ny && b[j] === v) {
      j++;
      cy++;
    }
    const t = cx + cy;
    const average = rank + (t + 1) / 2;
    rankSumX += cx * average;
    rank += t;
    if (t > 1) tieTerm += t * t * t - t;
  }
  const u = rankSumX - (nx * (nx + 1)) / 2;
  const n = nx + ny;
  const mean = (nx * ny) / 2;
  const variance = ((nx * ny) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, z: 0, nx, ny };
  const diff = u - mean;
  const corrected = Math.abs(diff) <= 0.5 ? 0 : diff - Math.sign(diff) * 0.5;
  const z = corrected / Math.sqrt(variance);
  return { u, p: Math.min(1, erfc(Math.abs(z) / Math.SQRT2)), z, nx, ny };
}

/** Median by k6's percentile method. */
export function median(values: ArrayLike<number>): number {
  return percentileSorted(sortedCopy(values), 50);
}
