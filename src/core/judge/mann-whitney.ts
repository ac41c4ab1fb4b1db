/**
 * The two-sided Mann–Whitney U test, the rank test Kayenta-style
 * canary judges use because latency is skewed and far from normal.
 *
 * U₁ counts the pairs (xᵢ, yⱼ) with xᵢ > yⱼ, ties counting one half, computed
 * from mid-ranks as U₁ = R₁ − n₁(n₁+1)/2. Small samples without ties get the
 * exact null distribution; otherwise the normal approximation with the tie
 * correction of the variance and a continuity correction of 0.5.
 */
import { normalUpperTail } from './normal.js';

export interface MannWhitneyOptions {
  /**
   * `exact` needs no ties; `auto` (default) uses the exact distribution when
   * there are no ties and both samples have at most {@link EXACT_MAX_N} values.
   */
  method?: 'auto' | 'exact' | 'normal';
}

export interface MannWhitneyResult {
  n1: number;
  n2: number;
  /** U of the first sample: pairs where x > y (ties ½) */
  u1: number;
  /** n₁n₂ − U₁ */
  u2: number;
  /** min(U₁, U₂), the statistic tables list */
  u: number;
  /** U₁/(n₁n₂): the probability that a random x exceeds a random y (ties ½); 0.5 = no shift */
  probabilityGreater: number;
  /** z of the normal approximation, continuity-corrected, signed like U₁ − n₁n₂/2 (0 for exact) */
  z: number;
  /** two-sided p-value */
  pValue: number;
  method: 'exact' | 'normal';
  /** Σ(t³ − t) over groups of tied values */
  tieTerm: number;
}

export const EXACT_MAX_N = 30;

/**
 * Mid-ranks of the pooled sample: rank sum of the first sample and the tie term.
 * Both samples are sorted as typed arrays and merged, which keeps a judgement
 * over tens of thousands of requests cheap enough to repeat every few seconds.
 */
function rankSum(x: readonly number[], y: readonly number[]): { r1: number; tieTerm: number } {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  let i = 0;
  let j = 0;
  let ranked = 0;
  let r1 = 0;
  let tieTerm = 0;
  while (i < xs.length || j < ys.length) {
    const v = Math.min(i < xs.length ? (xs[i] as number) : Infinity, j < ys.length ? (ys[j] as number) : Infinity);
    let inX = 0;
    while (i < xs.length && xs[i] === v) {
      i += 1;
      inX += 1;
    }
    let inY = 0;
    while (j < ys.length && ys[j] === v) {
      j += 1;
      inY += 1;
    }
    const t = inX + inY;
    r1 += inX * (ranked + (t + 1) / 2); // the group shares ranks ranked+1 … ranked+t
    if (t > 1) tieTerm += t * t * t - t;
    ranked += t;
  }
  return { r1, tieTerm };
}

/**
 * P(U ≤ u) for every u = 0 … n₁n₂ under the null hypothesis, no ties. Built by
 * the recursion on the largest pooled value: it is an x (U gains n₂) with
 * probability n₁/(n₁+n₂), else a y (U gains nothing).
 */
export function exactUDistribution(n1: number, n2: number): number[] {
  // prob[m][n] is the distribution for sizes (m, n); rows are built in m.
  let previous: number[][] = [];
  for (let m = 0; m <= n1; m += 1) {
    const row: number[][] = [];
    for (let n = 0; n <= n2; n += 1) {
      if (m === 0 || n === 0) {
        row.push([1]);
        continue;
      }
      const dist = new Array<number>(m * n + 1).fill(0);
      const fromX = previous[n] as number[]; // (m − 1, n): shift by n
      const fromY = row[n - 1] as number[]; // (m, n − 1)
      const px = m / (m + n);
      fromX.forEach((p, u) => (dist[u + n] = (dist[u + n] ?? 0) + px * p));
      fromY.forEach((p, u) => (dist[u] = (dist[u] ?? 0) + (1 - px) * p));
      row.push(dist);
    }
    previous = row;
  }
  const density = previous[n2] as number[];
  let cumulative = 0;
  return density.map((p) => (cumulative += p));
}

/** Runs the two-sided test of x against y. Each sample needs at least one value. */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann–Whitney needs at least one value in each sample');
  if ([...x, ...y].some((v) => !Number.isFinite(v)))
    throw new RangeError('Mann–Whitney samples must be finite numbers');
  const { r1, tieTerm } = rankSum(x, y);
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.min(u1, u2);
  const method = options.method ?? 'auto';
  const exact = method === 'exact' || (method === 'auto' && tieTerm === 0 && n1 <= EXACT_MAX_N && n2 <= EXACT_MAX_N);
  if (exact && tieTerm !== 0)
    throw new RangeError('the exact Mann–Whitney distribution assumes no ties: use the normal method');
  const base = { n1, n2, u1, u2, u, probabilityGreater: u1 / (n1 * n2), tieTerm };

  if (exact) {
    const cdf = exactUDistribution(n1, n2);
    const pValue = Math.min(1, 2 * (cdf[Math.floor(u)] ?? 1));
    return { ...base, z: 0, pValue, method: 'exact' };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { ...base, z: 0, pValue: 1, method: 'normal' }; // every value tied
  const distance = Math.max(0, Math.abs(u1 - mean) - 0.5);
  const z = (Math.sign(u1 - mean) * distance) / Math.sqrt(variance);
  return { ...base, z, pValue: Math.min(1, 2 * normalUpperTail(Math.abs(z))), method: 'normal' };
}
