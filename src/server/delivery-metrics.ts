import { Gauge, type Registry } from 'prom-client';
import type { DeliveryStats } from '../app/stats/delivery-stats.js';

/** How long one computation of the delivery figures serves scrapes: they change with deploys, not by the second. */
const CACHE_MS = 60_000;

/**
 * The delivery figures of `rewind stats` (over its default period) as gauges per
 * service and environment, so a team's dashboards can chart them beside the rest.
 */
export function exportDelivery(registry: Registry, read: () => Promise<DeliveryStats[]>): void {
  let cached: { at: number; rows: Promise<DeliveryStats[]> } | null = null;
  const rows = (): Promise<DeliveryStats[]> => {
    if (!cached || Date.now() - cached.at > CACHE_MS) cached = { at: Date.now(), rows: read().catch(() => []) };
    return cached.rows;
  };
  const gauge = (name: string, help: string, value: (s: DeliveryStats) => number | null, labels: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames: ['service', 'environment', ...labels],
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await rows()) {
          const v = value(s);
          if (v !== null) this.set({ service: s.service, environment: s.environment }, v);
        }
      },
    });
  gauge('rewind_deployments_per_day', 'Deploys per day over the stats period (90 days)', (s) => s.deploymentsPerDay);
  gauge(
    'rewind_change_failure_rate',
    'Releases rolled back or escalated, divided by releases, over the stats period',
    (s) => s.changeFailureRate,
  );
  gauge(
    'rewind_time_to_restore_median_seconds',
    'Median time from the first bad signal to traffic restored, over the stats period',
    (s) => (s.timeToRestore.medianMs === null ? null : s.timeToRestore.medianMs / 1000),
  );
  gauge(
    'rewind_time_to_restore_p90_seconds',
    '90th percentile time from the first bad signal to traffic restored, over the stats period',
    (s) => (s.timeToRestore.p90Ms === null ? null : s.timeToRestore.p90Ms / 1000),
  );
  gauge(
    'rewind_lead_time_median_seconds',
    'Median time from a change being made (git commit) to its release being promoted',
    (s) => (s.leadTimeMs === null ? null : s.leadTimeMs / 1000),
  );
}
