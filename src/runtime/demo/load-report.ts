/**
 * What the load generator measured, summarised: totals, per-second counts and,
 * per release, when it first and last answered. Pure functions over the samples,
 * so the demo and the bench can also re-summarise any slice of them.
 */

/** One request as the load generator saw it. Times are epoch ms of the clock. */
export interface RequestSample {
  startedAt: number;
  endedAt: number;
  /** HTTP status, or null when the request failed without one */
  status: number | null;
  /** why the request failed without a status (reset, refused, timeout) */
  error: string | null;
  /** the release that answered (the sample app's `release` field), else null */
  release: string | null;
}

export interface SecondCounts {
  /** seconds since the load started (requests are bucketed by start time) */
  second: number;
  requests: number;
  failed: number;
  /** release → requests it answered */
  byRelease: Record<string, number>;
}

export interface ReleaseSpan {
  /** end time of its first and last answer */
  firstAt: number;
  lastAt: number;
  requests: number;
  failed: number;
}

export interface LoadReport {
  startedAt: number | null;
  stoppedAt: number;
  /** finished requests */
  total: number;
  /** non-2xx answers plus requests that got no answer */
  failed: number;
  /** requests that fell due while `maxInFlight` were already out (not sent) */
  skipped: number;
  ratePerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  perSecond: SecondCounts[];
  releases: Record<string, ReleaseSpan>;
}

/** A failure as the demo and bench count it: no answer, or any non-2xx status. */
export const isFailed = (sample: RequestSample): boolean =>
  sample.status === null || sample.status < 200 || sample.status > 299;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

export interface SummaryContext {
  startedAt: number | null;
  stoppedAt: number;
  skipped: number;
  ratePerSecond: number;
}

export function summarize(samples: readonly RequestSample[], context: SummaryContext): LoadReport {
  const origin = context.startedAt ?? samples[0]?.startedAt ?? 0;
  const perSecond: SecondCounts[] = [];
  const releases: Record<string, ReleaseSpan> = {};
  const latencies: number[] = [];
  let failed = 0;
  for (const sample of samples) {
    const bad = isFailed(sample);
    if (bad) failed += 1;
    latencies.push(sample.endedAt - sample.startedAt);
    const index = Math.max(0, Math.floor((sample.startedAt - origin) / 1000));
    while (perSecond.length <= index)
      perSecond.push({ second: perSecond.length, requests: 0, failed: 0, byRelease: {} });
    const bucket = perSecond[index]!;
    bucket.requests += 1;
    if (bad) bucket.failed += 1;
    if (sample.release !== null) {
      bucket.byRelease[sample.release] = (bucket.byRelease[sample.release] ?? 0) + 1;
      const span = (releases[sample.release] ??= {
        firstAt: sample.endedAt,
        lastAt: sample.endedAt,
        requests: 0,
        failed: 0,
      });
      span.firstAt = Math.min(span.firstAt, sample.endedAt);
      span.lastAt = Math.max(span.lastAt, sample.endedAt);
      span.requests += 1;
      if (bad) span.failed += 1;
    }
  }
  latencies.sort((a, b) => a - b);
  return {
    startedAt: context.startedAt,
    stoppedAt: context.stoppedAt,
    total: samples.length,
    failed,
    skipped: context.skipped,
    ratePerSecond: context.ratePerSecond,
    latencyMs: {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? 0,
    },
    perSecond,
    releases,
  };
}

/**
 * The moment traffic was back on good answers for good: the end of the last
 * failed or wrong-release answer at or after `from`, where `good(sample)` says
 * what a good answer is. Null when nothing bad happened after `from`.
 */
export function lastBadAnswerAt(
  samples: readonly RequestSample[],
  from: number,
  good: (sample: RequestSample) => boolean,
): number | null {
  let last: number | null = null;
  for (const sample of samples) {
    if (sample.endedAt < from || good(sample)) continue;
    if (last === null || sample.endedAt > last) last = sample.endedAt;
  }
  return last;
}
