/**
 * Distinct users of one release in ten-second buckets: per bucket, a sketch of
 * the users served and of the users with at least one failed request, and the
 * same per feature with its request counts. A window's count merges the
 * sketches of its buckets (distinct users do not add up; sketches merge).
 *
 * Memory is bounded by buckets × (2 + 2 × features) sketches of at most 4 KiB
 * each (distinct-sketch.ts), whatever the number of users: with the default
 * retention of 900 s (90 buckets), one release and three features at most
 * 90 × 8 × 4 KiB ≈ 2.9 MiB. Buckets with fewer users hold exact sets, far less.
 *
 * Window rule: a read over [from, to) includes every bucket that overlaps it,
 * so a window may reach up to ten seconds further back than asked.
 */
import { DistinctSketch } from './distinct-sketch.js';
import type { SketchJson } from './distinct-sketch.js';
import type { UsersReading } from '../../core/ports/signal-source.js';

export type { UsersReading } from '../../core/ports/signal-source.js';

export const USER_BUCKET_MS = 10_000;

interface FeatureBucket {
  served: DistinctSketch;
  affected: DistinctSketch;
  requests: number;
  failedRequests: number;
}

interface Bucket {
  at: number;
  served: DistinctSketch;
  affected: DistinctSketch;
  features: (FeatureBucket | undefined)[];
}

/** One bucket over the control channel: [bucket start ms, served, affected, features [index, served, affected, requests, failed]]. */
export type UserBucketRow = [number, SketchJson, SketchJson, [number, SketchJson, SketchJson, number, number][]];

const bucketStart = (atMs: number): number => Math.floor(atMs / USER_BUCKET_MS) * USER_BUCKET_MS;

function rowOf(bucket: Bucket): UserBucketRow {
  const features: UserBucketRow[3] = [];
  bucket.features.forEach((f, i) => {
    if (f !== undefined) features.push([i, f.served.toJSON(), f.affected.toJSON(), f.requests, f.failedRequests]);
  });
  return [bucket.at, bucket.served.toJSON(), bucket.affected.toJSON(), features];
}

export class ReleaseUsers {
  private readonly buckets: (Bucket | undefined)[];

  constructor(readonly slots: number) {
    this.buckets = new Array<Bucket | undefined>(slots);
  }

  private bucketAt(at: number): Bucket {
    const slot = (at / USER_BUCKET_MS) % this.slots;
    let bucket = this.buckets[slot];
    if (bucket === undefined || bucket.at !== at) {
      // older than the retention (or never used): start the slot afresh
      bucket = { at, served: new DistinctSketch(), affected: new DistinctSketch(), features: [] };
      this.buckets[slot] = bucket;
    }
    return bucket;
  }

  /** Counts one request that got its final answer; `hash` -1 when it named no user. */
  record(atMs: number, hash: number, feature: number, failed: boolean): void {
    const bucket = this.bucketAt(bucketStart(atMs));
    let counts = bucket.features[feature];
    if (counts === undefined) {
      counts = { served: new DistinctSketch(), affected: new DistinctSketch(), requests: 0, failedRequests: 0 };
      bucket.features[feature] = counts;
    }
    counts.requests += 1;
    if (failed) counts.failedRequests += 1;
    if (hash < 0) return;
    bucket.served.add(hash);
    counts.served.add(hash);
    if (!failed) return;
    bucket.affected.add(hash);
    counts.affected.add(hash);
  }

  /** Users over [fromMs, toMs), features named by `names` (index order). */
  read(fromMs: number, toMs: number, names: readonly string[]): UsersReading {
    const served = new DistinctSketch();
    const affected = new DistinctSketch();
    const features = names.map(() => ({
      served: new DistinctSketch(),
      affected: new DistinctSketch(),
      requests: 0,
      failedRequests: 0,
    }));
    for (const bucket of this.buckets) {
      if (bucket === undefined || bucket.at + USER_BUCKET_MS <= fromMs || bucket.at >= toMs) continue;
      served.merge(bucket.served);
      affected.merge(bucket.affected);
      bucket.features.forEach((counts, i) => {
        const into = features[i];
        if (counts === undefined || into === undefined) return;
        into.served.merge(counts.served);
        into.affected.merge(counts.affected);
        into.requests += counts.requests;
        into.failedRequests += counts.failedRequests;
      });
    }
    return {
      served: served.estimate(),
      affected: affected.estimate(),
      servedBound: served.errorBound(),
      affectedBound: affected.errorBound(),
      features: features.map((f, i) => ({
        name: names[i] as string,
        usersServed: f.served.estimate(),
        usersAffected: f.affected.estimate(),
        requests: f.requests,
        failedRequests: f.failedRequests,
      })),
    };
  }

  /** bytes of counting state held, for the memory bound */
  bytes(): number {
    let total = 0;
    for (const bucket of this.buckets) {
      if (bucket === undefined) continue;
      total += bucket.served.bytes() + bucket.affected.bytes();
      for (const f of bucket.features) if (f !== undefined) total += f.served.bytes() + f.affected.bytes();
    }
    return total;
  }

  /** Buckets starting at or after `sinceMs`, for the controller's mirror. */
  exportSince(sinceMs: number): UserBucketRow[] {
    const rows: UserBucketRow[] = [];
    for (const bucket of this.buckets) {
      if (bucket === undefined || bucket.at + USER_BUCKET_MS <= sinceMs) continue;
      rows.push(rowOf(bucket));
    }
    return rows;
  }

  /** The bucket holding `atMs` as it stands, for the front door's telemetry journal; undefined when none is retained. */
  exportBucket(atMs: number): UserBucketRow | undefined {
    const at = bucketStart(atMs);
    const bucket = this.buckets[(at / USER_BUCKET_MS) % this.slots];
    return bucket === undefined || bucket.at !== at ? undefined : rowOf(bucket);
  }

  /** Replaces the mirrored bucket with the front door's (which is always the more complete). */
  importRow([at, served, affected, features]: UserBucketRow): void {
    if (!Number.isFinite(at) || at % USER_BUCKET_MS !== 0) return;
    const slot = (at / USER_BUCKET_MS) % this.slots;
    const held = this.buckets[slot];
    if (held !== undefined && held.at > at) return;
    const bucket: Bucket = {
      at,
      served: DistinctSketch.fromJSON(served),
      affected: DistinctSketch.fromJSON(affected),
      features: [],
    };
    for (const [i, s, a, requests, failedRequests] of features) {
      if (!Number.isInteger(i) || i < 0 || i > 64) continue;
      bucket.features[i] = {
        served: DistinctSketch.fromJSON(s),
        affected: DistinctSketch.fromJSON(a),
        requests,
        failedRequests,
      };
    }
    this.buckets[slot] = bucket;
  }
}
