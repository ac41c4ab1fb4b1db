import { dbRoutes } from '../server/db-routes.js';
import { identityOf } from '../server/auth.js';
import { dashboardRoutes } from '../server/dashboard/index.js';
import { requestProtectedOperation } from '../app/approvals/protected-ops.js';
import { opsRoutes } from '../server/ops-routes.js';
import { siteRoutes } from '../server/site-routes.js';
import { createSiteApi } from '../app/sites/site-api.js';
import { startSiteWatch } from '../app/sites/site-watch.js';
import { gateRoutes } from '../server/gate-routes.js';
import { createGateApi } from '../app/gate/gate-api.js';
import { alertRoutes } from '../server/alert-routes.js';
import { receiveAlerts } from '../app/alerts/receive.js';
import { createOpsApi } from '../app/ops/ops-api.js';
import { createDbApi } from '../app/db/db-api.js';
import type { LoadedConfig } from '../config/load.js';
import type { ControllerOptions } from './controller.js';
import { startHousekeeping } from '../app/housekeeping.js';
import { liveReleasesRestored, localRuntime } from './local/index.js';
import { startServingWatch } from '../app/ops/serving-watch.js';
import { reloadConfig, runningConfig } from '../app/ops/reload.js';
import { reloadRoutes } from '../server/reload-routes.js';
import { startBackupSchedules } from '../app/db/backup-schedule.js';
import { containerRuntime } from './container/index.js';
import { monitorFor } from '../app/monitor/index.js';
import { recordServices } from './record.js';

/**
 * What `rewind serve` runs besides the API: drivers that need an owner, the
 * monitor, housekeeping and notification delivery, chosen from the config.
 */
export function controllerServices(loaded: LoadedConfig): Partial<ControllerOptions> {
  const local = localRuntime(loaded);
  const containers = containerRuntime(loaded);
  const record = recordServices(loaded);
  // rewind db … over HTTP; restore, migrate-down and read-only wait for an approval in protected environments
  record.plugins.push((app, ctx) =>
    dbRoutes(createDbApi(ctx), identityOf, (requestedBy, payload, reason) =>
      requestProtectedOperation(ctx, { requestedBy, reason, payload }),
    )(app),
  );
  record.plugins.push((app, ctx) => opsRoutes(createOpsApi(ctx), identityOf)(app)); // restart, stop, start, flags
  record.plugins.push((app, ctx) => siteRoutes(createSiteApi(ctx), identityOf)(app)); // failover, failback
  record.plugins.push((app, ctx) => gateRoutes(createGateApi(ctx), identityOf)(app)); // gate, quarantine, freezes, stats
  // alerts from the team's monitoring, decided by policy like Rewind's own triggers
  record.plugins.push((app, ctx) => alertRoutes((alerts, actor) => receiveAlerts(ctx, alerts, actor), identityOf)(app));
  record.plugins.push((app, ctx) => dashboardRoutes(ctx)(app)); // the browser dashboard at /
  // rewind reload, and what config the controller runs (remembered from the start on)
  record.plugins.push((app, ctx) => {
    runningConfig(ctx);
    reloadRoutes(
      { reload: (request) => reloadConfig(ctx, request), running: () => runningConfig(ctx) },
      identityOf,
    )(app);
  });
  return {
    driverFactories: { ...local.driverFactories, ...containers.driverFactories },
    // the monitor watches releases, decides by policy and enforces approval deadlines;
    // it starts after the local runtime has brought the live releases back
    analyzer: (ctx) => monitorFor(ctx).analyze,
    services: [
      ...(local.services ?? []),
      ...(containers.services ?? []),
      async (ctx) => startHousekeeping(ctx),
      async (ctx) => startBackupSchedules(ctx), // scheduled backups, their verification and the RPO watch
      ...record.services,
      // the term starts at once; the monitor follows when the live releases are back
      async (ctx) => {
        const started = liveReleasesRestored(ctx).then(() => monitorFor(ctx).start());
        return async () => (await started)();
      },
      async (ctx) => startServingWatch(ctx),
      async (ctx) => startSiteWatch(ctx), // the site-down trigger of `failover:`
    ],
    plugins: record.plugins,
    restored: liveReleasesRestored,
  };
}
