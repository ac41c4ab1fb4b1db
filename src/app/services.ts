import type { LoadedConfig } from '../config/load.js';
import type { ControllerOptions } from './controller.js';
import { monitorFor } from './monitor/index.js';

/**
 * What `rewind serve` runs besides the API: drivers that need an owner, the
 * monitor, housekeeping and notification delivery, chosen from the config.
 */
export function controllerServices(_loaded: LoadedConfig): Partial<ControllerOptions> {
  return {
    // the monitor watches releases, decides by policy and enforces approval deadlines (issues 3, 4)
    analyzer: (ctx) => monitorFor(ctx).analyze,
    services: [(ctx) => monitorFor(ctx).start()],
  };
}
