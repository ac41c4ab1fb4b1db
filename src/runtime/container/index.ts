import type { LoadedConfig } from '../../config/load.js';
import { composeContainerPlatform } from '../../app/compose/container.js';
import type { ControllerOptions } from '../controller.js';
import { restoreLiveReleases } from '../local/restore.js';

/**
 * The container platform's life inside `rewind serve`, as for local processes:
 * once this controller leads, every front door opens and what was live before a
 * restart comes back — running containers are adopted by label, not restarted.
 */
export function containerRuntime(loaded: LoadedConfig): Pick<ControllerOptions, 'driverFactories' | 'services'> {
  const platform = composeContainerPlatform(loaded);
  return {
    driverFactories: { container: (service, _config, ctx) => platform.driver(service, ctx) },
    services:
      platform.services.length > 0
        ? [
            async (ctx) => {
              for (const service of platform.services) await platform.openFrontDoor(service);
              await restoreLiveReleases(ctx, platform.services);
              return () => platform.close();
            },
          ]
        : [],
  };
}
