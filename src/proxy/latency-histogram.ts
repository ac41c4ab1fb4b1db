/**
 * Fixed log-spaced latency buckets shared by every one-second slot of the switch's
 * telemetry. Fixed bounds make merging seconds a plain sum, so a
 * window's percentile costs one pass over the window and nothing per request.
 *
 * Precision: eight buckets per doubling (ratio 2^(1/8) ≈ 1.0905). A percentile is
 * reported as its bucket's geometric midpoint, so it is within ±4.4 % of the true
 * value between {@link MIN_LATENCY_MS} and {@link MAX_LATENCY_MS}. Below the
 * range everything falls in the first bucket, above it in the last one.
 */

/** Buckets per doubling of latency. */
const STEPS_PER_OCTAVE = 8;
/** Lower bound of the second bucket; bucket 0 holds everything faster. */
export const MIN_LATENCY_MS = 0.1;
/** 21 octaves above 0.1 ms: the last bucket starts near 210 s. */
export const BUCKET_COUNT = 21 * STEPS_PER_OCTAVE;
export const MAX_LATENCY_MS = MIN_LATENCY_MS * 2 ** (BUCKET_COUNT / STEPS_PER_OCTAVE);

/** The bucket a latency falls in; a few float operations, no allocation. */
export function bucketIndex(latencyMs: number): number {
  if (!(latencyMs > MIN_LATENCY_MS)) return 0;
  const index = Math.floor(Math.log2(latencyMs / MIN_LATENCY_MS) * STEPS_PER_OCTAVE);
  return index >= BUCKET_COUNT ? BUCKET_COUNT - 1 : index;
}

/** The value reported for a bucket: the geometric midpoint of its bounds. */
export function bucketValue(index: number): number {
  return MIN_LATENCY_MS * 2 ** ((index + 0.5) / STEPS_PER_OCTAVE);
}

/**
 * The `quantile` (0–1] of the latencies counted in `counts` (one entry per
 * bucket), using the nearest-rank rule: the smallest bucket whose cumulative count
 * reaches ceil(quantile × total). Returns 0 when nothing was counted.
 */
export function percentileOf(counts: ArrayLike<number>, total: number, quantile: number): number {
  if (total <= 0) return 0;
  const rank = Math.max(1, Math.ceil(quantile * total));
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i += 1) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(BUCKET_COUNT - 1);
}
