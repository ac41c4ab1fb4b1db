import { describe, expect, it } from 'vitest';
import { exactUDistribution, mannWhitneyU } from '../../src/core/judge/mann-whitney.js';
import { erfc, normalCdf, normalUpperTail } from '../../src/core/judge/normal.js';
import { seededRandom } from './random.js';

/** Every way to split the pooled ranks 1..n1+n2 between x and y: the exact null distribution by brute force. */
function bruteForceTwoSided(n1: number, n2: number, u: number): number {
  const n = n1 + n2;
  let total = 0;
  let extreme = 0;
  const lowOrEqual = Math.min(u, n1 * n2 - u);
  for (let mask = 0; mask < 1 << n; mask += 1) {
    let bits = 0;
    let rankSum = 0;
    for (let i = 0; i < n; i += 1)
      if (mask & (1 << i)) {
        bits += 1;
        rankSum += i + 1;
      }
    if (bits !== n1) continue;
    total += 1;
    const u1 = rankSum - (n1 * (n1 + 1)) / 2;
    if (Math.min(u1, n1 * n2 - u1) <= lowOrEqual) extreme += 1;
  }
  return extreme / total;
}

describe('the normal distribution', () => {
  it('matches tabulated erfc values', () => {
    // erfc values from standard tables (Abramowitz & Stegun table 7.1, to the digits given there and beyond)
    expect(erfc(0)).toBe(1);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 14);
    expect(erfc(1)).toBeCloseTo(0.15729920705028513, 14);
    expect(erfc(2)).toBeCloseTo(0.004677734981047266, 15);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 12);
    expect(erfc(6) / 2.1519736712498913e-17).toBeCloseTo(1, 12);
    expect(erfc(-1)).toBeCloseTo(2 - 0.15729920705028513, 14);
  });
  it('gives the familiar normal quantiles', () => {
    expect(normalUpperTail(1.959963984540054)).toBeCloseTo(0.025, 14);
    expect(normalCdf(1.6448536269514722)).toBeCloseTo(0.95, 14);
    expect(normalCdf(0)).toBe(0.5);
  });
});

describe('Mann–Whitney U', () => {
  it('computes U for the tortoise-and-hare race (Wikipedia, "Mann–Whitney U test", illustration of calculation methods)', () => {
    // finishing order T H H H H H T T T T T H: position = finishing time
    const tortoises = [1, 7, 8, 9, 10, 11];
    const hares = [2, 3, 4, 5, 6, 12];
    const r = mannWhitneyU(tortoises, hares);
    // U counts pairs where the tortoise finished later: 5 + 5 + 5 + 5 + 5 = 25; the race's U_T (tortoise first) is 11
    expect(r).toMatchObject({ u1: 25, u2: 11, u: 11, method: 'exact' });
    // exact: P(U ≤ 11) for n = 6, 6 is 143/924, two-sided 286/924
    expect(r.pValue).toBeCloseTo(286 / 924, 14);
    expect(r.pValue).toBeCloseTo(bruteForceTwoSided(6, 6, 11), 14);
  });

  it('reproduces the scipy.stats.mannwhitneyu documentation example (males vs females)', () => {
    const males = [19, 22, 16, 29, 24];
    const females = [20, 11, 17, 12];
    const exact = mannWhitneyU(males, females);
    expect(exact).toMatchObject({ u1: 17, u2: 3, method: 'exact' });
    expect(exact.pValue).toBeCloseTo(0.1111111111111111, 14); // 2 · 7/126
    expect(exact.pValue).toBeCloseTo(bruteForceTwoSided(5, 4, 17), 14);
    // asymptotic with continuity: z = (17 − 10 − 0.5)/√(5·4·10/12) = 1.5921683…
    const normal = mannWhitneyU(males, females, { method: 'normal' });
    expect(normal.z).toBeCloseTo(6.5 / Math.sqrt(200 / 12), 14);
    expect(normal.pValue).toBeCloseTo(0.11134688653314041, 12);
  });

  it('gives the smallest exact p for complete separation: 2/C(n1+n2, n1)', () => {
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).pValue).toBeCloseTo(2 / 20, 14);
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).pValue).toBeCloseTo(2 / 252, 14);
  });

  it('matches brute force over every split for several sizes and shifts', () => {
    expect(exactUDistribution(4, 7).at(-1)).toBeCloseTo(1, 14);
    const random = seededRandom(7);
    for (const [n1, n2] of [
      [4, 7],
      [3, 8],
      [7, 7],
      [5, 6],
      [2, 10],
    ] as const) {
      for (let shift = -1; shift <= 1; shift += 0.5) {
        const x = Array.from({ length: n1 }, () => random() + shift);
        const y = Array.from({ length: n2 }, () => random());
        const r = mannWhitneyU(x, y);
        expect(r.method).toBe('exact');
        expect(r.pValue).toBeCloseTo(bruteForceTwoSided(n1, n2, r.u1), 14);
      }
    }
  });

  it('applies the tie correction (worked by hand)', () => {
    // pooled: 1x 2x 2x 2y 3x 3y 4y 4y 5y → mid-ranks 1, 3, 3, 3, 5.5, 5.5, 7.5, 7.5, 9
    // R₁ = 1 + 3 + 3 + 5.5 = 12.5, U₁ = 12.5 − 10 = 2.5; ties: 3³−3 + 2³−2 + 2³−2 = 36
    // σ² = (4·5/12)·(10 − 36/(9·8)) = 95/6; z = −(|2.5 − 10| − 0.5)/σ
    const r = mannWhitneyU([1, 2, 2, 3], [2, 3, 4, 4, 5]);
    expect(r).toMatchObject({ u1: 2.5, u2: 17.5, tieTerm: 36, method: 'normal' });
    expect(r.z).toBeCloseTo(-7 / Math.sqrt(95 / 6), 14);
    expect(r.pValue).toBeCloseTo(2 * normalUpperTail(7 / Math.sqrt(95 / 6)), 14);
    expect(r.pValue).toBeCloseTo(0.0785, 3);
  });

  it('agrees closely between the exact and normal methods at n = 30', () => {
    const x = Array.from({ length: 30 }, (_, i) => i * 2);
    const y = Array.from({ length: 30 }, (_, i) => i * 2 + 7);
    const exact = mannWhitneyU(x, y, { method: 'exact' });
    const normal = mannWhitneyU(x, y, { method: 'normal' });
    expect(Math.abs(exact.pValue - normal.pValue)).toBeLessThan(0.005);
  });

  it('answers p = 1 when every value is tied, and refuses empty samples', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5]).pValue).toBe(1);
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
    expect(() => mannWhitneyU([1, 1], [1], { method: 'exact' })).toThrow(/ties/);
  });
});
