/**
 * Reading a histogram from Prometheus text the way Prometheus does: the
 * difference of two scrapes, and quantiles by linear interpolation within the
 * bucket the rank falls in (`histogram_quantile`).
 */

/** Cumulative bucket counts by upper bound (Infinity for `+Inf`), plus count and sum. */
export interface HistogramSnapshot {
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
}

/** Every `name value` sample line of a scrape, keyed by the name with its labels as written. */
export function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

/** The unlabelled histogram `name` of a scrape; throws when the scrape does not have it. */
export function readHistogram(samples: Map<string, number>, name: string): HistogramSnapshot {
  const buckets: { le: number; count: number }[] = [];
  for (const [key, value] of samples) {
    const match = key.match(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\}$`));
    if (match) buckets.push({ le: match[1] === '+Inf' ? Infinity : Number(match[1]), count: value });
  }
  const count = samples.get(`${name}_count`);
  const sum = samples.get(`${name}_sum`);
  if (buckets.length === 0 || count === undefined || sum === undefined)
    throw new Error(`the scrape has no histogram ${name} (is this controller built from this checkout?)`);
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, count, sum };
}

/** What was observed between two scrapes of the same histogram. */
export function histogramDelta(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSnapshot {
  return {
    buckets: after.buckets.map((bucket, index) => ({
      le: bucket.le,
      count: bucket.count - (before.buckets[index]?.count ?? 0),
    })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * The q-quantile (0 < q < 1), interpolated linearly inside its bucket; null for
 * an empty histogram. A rank in the `+Inf` bucket answers the highest finite bound.
 */
export function histogramQuantile(histogram: HistogramSnapshot, q: number): number | null {
  if (histogram.count <= 0) return null;
  const rank = q * histogram.count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of histogram.buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      const share = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return lowerBound + (bucket.le - lowerBound) * share;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
