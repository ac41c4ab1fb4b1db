/**
 * Per-metric classification of a canary against the stable release,
 * Kayenta-like: `high`, `low` or `pass`. A difference counts only when it is
 * both statistically significant (Mann–Whitney) and large enough to matter
 * (the effect-size floor): with thousands of requests a 2 % latency change is
 * significant but not worth a rollback.
 */
import { mannWhitneyU } from './mann-whitney.js';

export type Classification = 'pass' | 'high' | 'low' | 'nodata';

export interface EffectFloor {
  /** compare medians (default; latency) or means (error indicators, rates) */
  statistic?: 'median' | 'mean';
  /** the canary must differ by at least this fraction of the stable value; default 0.25 (+25 %) */
  minRelative?: number;
  /** and by at least this much in absolute terms; default 0 (use e.g. 0.01 for error rates) */
  minAbsolute?: number;
}

export interface JudgeMetricSpec {
  /** `latencyMs`, `error`, … — the key of the samples */
  name: string;
  /** which change fails the metric: `increase` (default: latency, errors), `decrease` (throughput), `either` */
  failOn?: 'increase' | 'decrease' | 'either';
  /** share of the score; default 1 */
  weight?: number;
  /** a failing critical metric fails the whole canary (score 0); default false */
  critical?: boolean;
  /**
   * significance level of the two-sided test; default 0.001. The monitor judges
   * the same canary again and again during an analysis (every few seconds), and
   * every look is another chance of a false alarm: 0.05 spread over ~50 looks
   * (Bonferroni) gives 0.001. Real regressions over thousands of requests reach
   * p-values far below that.
   */
  alpha?: number;
  effect?: EffectFloor;
  /** fewer values than this on either side → `nodata`; default 20 */
  minSamples?: number;
}

export interface MetricVerdict {
  name: string;
  classification: Classification;
  /** whether this classification counts against the canary (per `failOn`) */
  failed: boolean;
  pValue: number | null;
  /** U of the canary sample (pairs where canary > stable) */
  u: number | null;
  canary: { n: number; statistic: number | null };
  stable: { n: number; statistic: number | null };
  /** canary/stable − 1 of the chosen statistic (null when stable is 0) */
  relativeChange: number | null;
  /** one sentence */
  reason: string;
}

export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Type-7 (linear interpolation) quantile, q in [0, 1]. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** Classifies one metric from the canary's and the stable release's samples over the same seconds. */
export function classifyMetric(
  spec: JudgeMetricSpec,
  canary: readonly number[],
  stable: readonly number[],
): MetricVerdict {
  const minSamples = spec.minSamples ?? 20;
  const statistic = spec.effect?.statistic ?? 'median';
  const stat = statistic === 'median' ? median : mean;
  const base = {
    name: spec.name,
    canary: { n: canary.length, statistic: null },
    stable: { n: stable.length, statistic: null },
  };
  if (canary.length < minSamples || stable.length < minSamples) {
    return {
      ...base,
      classification: 'nodata',
      failed: false,
      pValue: null,
      u: null,
      relativeChange: null,
      reason: `${spec.name}: too few samples (canary ${canary.length}, stable ${stable.length}; need ${minSamples})`,
    };
  }
  const test = mannWhitneyU(canary, stable);
  const c = stat(canary);
  const s = stat(stable);
  const floor = Math.max(spec.effect?.minAbsolute ?? 0, (spec.effect?.minRelative ?? 0.25) * Math.abs(s));
  const significant = test.pValue < (spec.alpha ?? 0.001);
  let classification: Classification = 'pass';
  // The difference must be both significant and past the floor, in the same direction as the ranks.
  if (significant && test.u1 > test.u2 && c - s > 0 && c - s >= floor) classification = 'high';
  if (significant && test.u1 < test.u2 && s - c > 0 && s - c >= floor) classification = 'low';
  const failOn = spec.failOn ?? 'increase';
  const failed =
    (classification === 'high' && failOn !== 'decrease') || (classification === 'low' && failOn !== 'increase');
  const relativeChange = s === 0 ? null : c / s - 1;
  const change =
    relativeChange === null
      ? `${fmt(s)} → ${fmt(c)}`
      : `${relativeChange >= 0 ? '+' : ''}${(relativeChange * 100).toFixed(0)} %`;
  const reason =
    classification === 'pass'
      ? `${spec.name}: ${statistic} ${fmt(c)} vs ${fmt(s)} (${change}, p=${test.pValue.toPrecision(2)}): no significant difference past the floor`
      : `${spec.name}: canary ${statistic} ${fmt(c)} vs stable ${fmt(s)} (${change}, p=${test.pValue.toPrecision(2)}): ${classification}`;
  return {
    ...base,
    canary: { n: canary.length, statistic: c },
    stable: { n: stable.length, statistic: s },
    classification,
    failed,
    pValue: test.pValue,
    u: test.u1,
    relativeChange,
    reason,
  };
}
