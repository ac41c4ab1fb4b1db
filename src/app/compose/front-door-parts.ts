import type { ServiceConfig } from '../../config/schema/index.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import type { AppContext } from '../context.js';
import { injectedEnv } from '../drill/fault-injection.js';
import { releaseFlagEnv } from '../ops/flags.js';

/**
 * What every driver behind Rewind's own front door (local processes, containers)
 * is handed the same way: its per-service options with a drill's fault injected
 * into the release it starts, the service's switch (remembered for the signal
 * source), and the flags that stay off when a release starts afresh.
 */
export function frontDoorParts<O extends { env?: Record<string, string> }>(
  ctx: AppContext,
  options: (config: ServiceConfig, service: string) => O | undefined,
  switches: { switchFor(service: string): Promise<TrafficSwitch> },
  resolved: Map<string, TrafficSwitch>,
) {
  return {
    services: (service: string, environment: string): O | undefined => {
      const config = ctx.loaded.config.services[service];
      const own = config ? options(config, service) : undefined;
      // a drill's fault (FAULT=…) reaches only the release it is starting
      return own && { ...own, env: injectedEnv(ctx, service, environment, own.env) };
    },
    switchFor: async (service: string): Promise<TrafficSwitch> => {
      const sw = await switches.switchFor(service);
      resolved.set(service, sw);
      return sw;
    },
    // a flag turned off stays off when the release's instances start afresh
    releaseEnv: (release: Parameters<typeof releaseFlagEnv>[1]) => releaseFlagEnv(ctx, release),
  };
}
