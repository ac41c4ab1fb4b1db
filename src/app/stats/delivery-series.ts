import type { AppContext } from '../context.js';
import type { DeliveryStats } from './delivery-stats.js';
import { periodMs, statsRows } from './delivery-stats.js';

/** 1970-01-05T00:00Z, the first Monday of the epoch */
const MONDAY = 4 * 86_400_000;

export interface DeliveryPoint {
  /** the bucket's window, epoch ms */
  from: number;
  to: number;
  services: DeliveryStats[];
}

export interface SeriesQuery {
  /** the width of one bucket; default 7d */
  bucket?: string;
  /** how many buckets back from now; default 12, at most 104 */
  buckets?: number;
  service?: string;
  environment?: string;
}

/** The delivery figures bucket by bucket, oldest first: what the dashboard draws over time. */
export async function deliverySeries(
  ctx: AppContext,
  query: SeriesQuery = {},
): Promise<{ bucketMs: number; points: DeliveryPoint[] }> {
  const bucketMs = periodMs(query.bucket, '7d', 'bucket');
  const count = Math.min(104, Math.max(1, Math.floor(query.buckets ?? 12)));
  // buckets end on fixed boundaries (weeks start on Monday 00:00 UTC), so two reads agree on them
  const end = MONDAY + Math.ceil((ctx.clock.now() - MONDAY) / bucketMs) * bucketMs;
  const points: DeliveryPoint[] = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    const to = end - i * bucketMs;
    const from = to - bucketMs;
    points.push({ from, to, services: await statsRows(ctx, query, from, to) });
  }
  return { bucketMs, points };
}
