import type { LoadedConfig } from '../config/load.js';
import type { ControllerOptions } from './controller.js';

/**
 * What `rewind serve` runs besides the API: drivers that need an owner, the
 * monitor, housekeeping and notification delivery, chosen from the config.
 */
export function controllerServices(_loaded: LoadedConfig): Partial<ControllerOptions> {
  return {};
}
