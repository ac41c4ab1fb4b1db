import { dbRoutes } from '../server/db-routes.js';
import { identityOf } from '../server/auth.js';
import { dashboardRoutes } from '../server/dashboard/index.js';
import { requestProtectedOperation } from '../app/approvals/protected-ops.js';
import { opsRoutes } from '../server/ops-routes.js';
import { createOpsApi } from '../app/ops/ops-api.js';
import { createDbApi } from '../app/db/db-api.js';
import type { LoadedConfig } from '../config/load.js';
import type { ControllerOptions } from './controller.js';
import { startHousekeeping } from '../app/housekeeping.js';
import { localRuntime } from './local/index.js';
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
  record.plugins.push((app, ctx) => dashboardRoutes(ctx)(app)); // the browser dashboard at /
  return {
    driverFactories: { ...local.driverFactories, ...containers.driverFactories },
    // the monitor watches releases, decides by policy and enforces approval deadlines;
    // it starts after the local runtime has brought the live releases back
    analyzer: (ctx) => monitorFor(ctx).analyze,
    services: [
      ...(local.services ?? []),
      ...(containers.services ?? []),
      async (ctx) => startHousekeeping(ctx),
      ...record.services,
      (ctx) => monitorFor(ctx).start(),
    ],
    plugins: record.plugins,
  };
}
