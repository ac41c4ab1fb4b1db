import type { LoadedConfig } from '../config/load.js';
import { scheduleDrills } from '../app/drill/schedule.js';
import { evaluationMeter } from '../app/monitor/evaluation-meter.js';
import { createReportWriter, followNotifications, type NotificationOptions } from '../app/record/index.js';
import { createControllerMetrics } from '../server/metrics.js';
import type { ControllerOptions } from './controller.js';
import type { AppContext } from '../app/context.js';
import { deliveryStats } from '../app/stats/delivery-stats.js';

const controllerMetrics = (ctx: AppContext) =>
  createControllerMetrics({
    store: ctx.store,
    evaluations: evaluationMeter(ctx),
    delivery: async () => (await deliveryStats(ctx)).services,
  });

/**
 * What `rewind serve` records and tells: notification delivery through
 * the outbox, the incident report and `target.missed` at each rollback end,
 * `/metrics`, and scheduled drills. Every part listens to events and works in
 * the background, so none of it can slow a rollback.
 */
export function recordServices(
  loaded: LoadedConfig,
  options: NotificationOptions = {},
): Required<Pick<ControllerOptions, 'services' | 'plugins'>> {
  let metrics: ReturnType<typeof createControllerMetrics> | null = null;
  return {
    services: [
      async (ctx) => {
        metrics ??= controllerMetrics(ctx);
        const observed = metrics;
        const unsubscribeMetrics = ctx.onEvent((event) => observed.observe(event));
        const stopNotifications = followNotifications(ctx, options);
        const writer = createReportWriter(ctx);
        const unsubscribeWriter = ctx.onEvent((event) => writer.onEvent(event));
        return async () => {
          unsubscribeWriter();
          unsubscribeMetrics();
          await writer.stop();
          await stopNotifications();
        };
      },
      async (ctx, api) => scheduleDrills(loaded, ctx, api),
    ],
    plugins: [
      // the API (and /metrics) is up before this controller leads and its services start
      (app, ctx) => {
        metrics ??= controllerMetrics(ctx);
        metrics.register(app);
      },
    ],
  };
}
