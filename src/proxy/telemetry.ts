/**
 * Per-release telemetry in one-second buckets: a ring of
 * `retentionSeconds` slots per release, each holding the second's request count,
 * 5xx count, latency histogram and the longest 5xx streak seen in it. All storage
 * is typed arrays allocated when the release first appears, so recording a
 * response allocates nothing.
 *
 * Window rule: a read over [at - windowMs, at) includes every second whose start
 * (second × 1000 ms) lies in that interval; the second in progress at `at` is
 * therefore included as far as it has been recorded.
 *
 * consecutive5xx: the release keeps one streak counter over responses in the order
 * they completed (a 5xx adds one, any other status resets it to zero). The metric
 * is the highest value the counter reached at a response completed inside the
 * window — the longest run of consecutive 5xx whose last response in the window
 * falls inside it; the run may have started before the window.
 */
import { badRequest } from '../core/errors.js';
import type { MetricValue, ProxyMetric, TelemetryReader } from './types.js';
import { BUCKET_COUNT, bucketIndex, bucketValue, percentileOf } from './latency-histogram.js';
import { isUserMetric, readUsers, userMetric } from './users/user-metrics.js';
import type { UsersReading } from './users/release-users.js';

export { ReleaseTelemetry } from './release-telemetry.js';
import { ReleaseTelemetry } from './release-telemetry.js';

export interface TelemetryStore {
  /** the release's ring, created on first use */
  forRelease(revision: number): ReleaseTelemetry;
  /** drops a retired release's ring (≈ 0.6 MB at the default retention) */
  forget(revision: number): void;
  readonly reader: TelemetryReader;
}

const EMPTY: MetricValue = Object.freeze({ value: 0, samples: 0 });

/** Adds every in-flight request of `ring` at its age to `counts`; returns how many. */
function addPending(ring: ReleaseTelemetry, counts: Uint32Array): number {
  if (ring.pending.size === 0) return 0;
  const now = performance.now();
  for (const { startedAt } of ring.pending) {
    const bucket = bucketIndex(now - startedAt);
    counts[bucket] = (counts[bucket] ?? 0) + 1;
  }
  return ring.pending.size;
}

/**
 * `featureNames`: the service's feature names in order, `other` last (a
 * request's feature is an index into them); default just `other`.
 */
export function createTelemetryStore(
  retentionSeconds: number,
  featureNames: readonly string[] = ['other'],
): TelemetryStore {
  const releases = new Map<number, ReleaseTelemetry>();
  // Reused by every percentile read; reads are not re-entrant.
  const merged = new Uint32Array(BUCKET_COUNT);

  function secondsIn(from: number, to: number, slots: number): [number, number] {
    const first = Math.ceil(from / 1000);
    const last = Math.ceil(to / 1000) - 1;
    return [Math.max(first, last - slots + 1), last];
  }

  function read(revision: number, metric: ProxyMetric, at: number, windowMs: number): MetricValue {
    if (!Number.isFinite(at) || !Number.isFinite(windowMs) || windowMs <= 0) {
      throw badRequest(`telemetry window must be a positive number of ms (got ${windowMs}) at a finite time`);
    }
    const ring = releases.get(revision);
    if (ring === undefined) return EMPTY;
    const [first, last] = secondsIn(at - windowMs, at, ring.slots);
    if (isUserMetric(metric)) return userMetric(ring, metric, first, last, featureNames);
    let requests = 0;
    let errors = 0;
    let streak = 0;
    const percentile = metric === 'latencyP95Ms' || metric === 'latencyP99Ms';
    if (percentile) {
      merged.fill(0);
      requests += addPending(ring, merged);
    }
    for (let s = first; s <= last; s += 1) {
      const slot = ring.slotOf(s);
      if (slot < 0) continue;
      requests += ring.requests[slot] ?? 0;
      errors += ring.errors[slot] ?? 0;
      streak = Math.max(streak, ring.maxStreak[slot] ?? 0);
      if (percentile) {
        const base = slot * BUCKET_COUNT;
        for (let b = 0; b < BUCKET_COUNT; b += 1) merged[b] = (merged[b] ?? 0) + (ring.histogram[base + b] ?? 0);
      }
    }
    switch (metric) {
      case 'requests':
        return { value: requests, samples: requests };
      case 'errors5xx':
        return { value: errors, samples: requests };
      case 'errorRate':
        return { value: requests === 0 ? 0 : errors / requests, samples: requests };
      case 'requestRate':
        return { value: requests / (windowMs / 1000), samples: requests };
      case 'consecutive5xx':
        return { value: streak, samples: requests };
      case 'latencyP95Ms':
        return { value: percentileOf(merged, requests, 0.95), samples: requests };
      case 'latencyP99Ms':
        return { value: percentileOf(merged, requests, 0.99), samples: requests };
      default:
        throw badRequest(
          `unknown proxy metric "${String(metric)}"; expected one of errorRate, latencyP95Ms, latencyP99Ms, requestRate, consecutive5xx, requests, errors5xx`,
        );
    }
  }

  /**
   * Of the requests over the window, the fraction slower than `thresholdMs`
   * (a bucket counts as slower when its reported value is), with requests still
   * in flight counted once they are older than the threshold.
   */
  function fractionAbove(revision: number, thresholdMs: number, at: number, windowMs: number): MetricValue {
    const ring = releases.get(revision);
    if (ring === undefined) return EMPTY;
    const [first, last] = secondsIn(at - windowMs, at, ring.slots);
    let firstSlow = 0;
    while (firstSlow < BUCKET_COUNT && bucketValue(firstSlow) <= thresholdMs) firstSlow += 1;
    let requests = 0;
    let slow = 0;
    for (let s = first; s <= last; s += 1) {
      const slot = ring.slotOf(s);
      if (slot < 0) continue;
      requests += ring.requests[slot] ?? 0;
      const base = slot * BUCKET_COUNT;
      for (let b = firstSlow; b < BUCKET_COUNT; b += 1) slow += ring.histogram[base + b] ?? 0;
    }
    const now = performance.now();
    for (const { startedAt } of ring.pending) {
      if (now - startedAt <= thresholdMs) continue;
      requests += 1;
      slow += 1;
    }
    return { value: requests === 0 ? 0 : slow / requests, samples: requests };
  }

  function users(revision: number, at: number, windowMs: number): UsersReading | null {
    const ring = releases.get(revision);
    if (ring === undefined || !(windowMs > 0)) return null;
    const [first, last] = secondsIn(at - windowMs, at, ring.slots);
    return readUsers(ring, first, last, featureNames);
  }

  /** Rows only for retained seconds in [from, to) that saw at least one request. */
  function seconds(
    revision: number,
    from: number,
    to: number,
  ): { at: number; requests: number; errors5xx: number; latencyP95Ms: number }[] {
    const ring = releases.get(revision);
    const rows: { at: number; requests: number; errors5xx: number; latencyP95Ms: number }[] = [];
    if (ring === undefined || !(to > from)) return rows;
    const [first, last] = secondsIn(from, to, ring.slots);
    for (let s = first; s <= last; s += 1) {
      const slot = ring.slotOf(s);
      const requests = slot < 0 ? 0 : (ring.requests[slot] ?? 0);
      if (requests === 0) continue;
      const counts = ring.histogram.subarray(slot * BUCKET_COUNT, (slot + 1) * BUCKET_COUNT);
      rows.push({
        at: s * 1000,
        requests,
        errors5xx: ring.errors[slot] ?? 0,
        latencyP95Ms: percentileOf(counts, requests, 0.95),
      });
    }
    return rows;
  }

  return {
    forRelease(revision) {
      let ring = releases.get(revision);
      if (ring === undefined) {
        ring = new ReleaseTelemetry(retentionSeconds);
        releases.set(revision, ring);
      }
      return ring;
    },
    forget(revision) {
      releases.delete(revision);
    },
    reader: { read, seconds, fractionAbove, users },
  };
}
