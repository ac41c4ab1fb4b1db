import type { LoadedConfig } from '../../config/load.js';
import { composeLocalPlatform } from '../../app/compose/local.js';
import type { ControllerOptions } from '../controller.js';
import { restoreLiveReleases } from './restore.js';

/**
 * The local platform's life inside `rewind serve`: its driver (built by the
 * composition root) is offered to the context, and once this controller leads,
 * every front door opens and what was live before a restart comes back.
 */
const restored = new WeakMap<object, Promise<void>>();

/** Settles once the live releases of this term are back (at once when there is no local service). */
export const liveReleasesRestored = (ctx: object): Promise<void> => restored.get(ctx) ?? Promise.resolve();

export function localRuntime(loaded: LoadedConfig): Pick<ControllerOptions, 'driverFactories' | 'services'> {
  const platform = composeLocalPlatform(loaded);
  return {
    driverFactories: { local: (service, _config, ctx) => platform.driver(service, ctx) },
    services:
      platform.services.length > 0
        ? [
            async (ctx) => {
              // open every front door now, then bring back what was live before a restart; the term
              // does not wait for the instances (an unready one must not hold up the lease or anything else)
              for (const service of platform.services) await platform.openFrontDoor(service, ctx);
              const restoring = restoreLiveReleases(ctx, platform.services).catch(() => undefined);
              restored.set(ctx, restoring);
              return async () => {
                await restoring;
                await platform.close();
              };
            },
          ]
        : [],
  };
}
