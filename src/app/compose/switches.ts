import type { LoadedConfig } from '../../config/load.js';
import { createTrafficSwitch } from '../../proxy/index.js';
import { createHaproxyRouter } from '../../proxy/haproxy/index.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import { parseDuration } from '../../core/duration.js';
import { addressProblem, splitListen } from '../address-problem.js';

/**
 * One traffic switch per local or container service, listening on its `driver.listen` (the
 * service's front door): the built-in switch, or HAProxy with `driver.router:
 * haproxy`. Created on first use; the runtime opens and closes them.
 */
export function createSwitchRegistry(loaded: LoadedConfig) {
  const switches = new Map<string, Promise<TrafficSwitch>>();
  return {
    switchFor(service: string): Promise<TrafficSwitch> {
      let existing = switches.get(service);
      if (!existing) {
        const driver = loaded.config.services[service]?.driver;
        if (driver?.type !== 'local' && driver?.type !== 'container')
          throw new Error(`service ${service} has no front door of its own (local or container driver)`);
        const [host, port] = splitListen(driver.listen);
        const common = {
          host,
          port,
          upstreamTimeoutMs: parseDuration(driver.upstreamTimeout),
          trustForwardedFrom: driver.trustForwardedFrom,
        };
        // Same interface either way: the driver, triggers and reports do not know which.
        const created: TrafficSwitch =
          driver.router === 'haproxy' ? createHaproxyRouter(common) : createTrafficSwitch(common);
        existing = created.listen().then(
          () => created,
          (error: unknown) => {
            switches.delete(service);
            throw addressProblem(error, `services.${service}.driver.listen`, driver.listen, loaded.file);
          },
        );
        switches.set(service, existing);
      }
      return existing;
    },
    /** switches that were created, for telemetry reads that must not create one */
    existing(service: string): Promise<TrafficSwitch> | undefined {
      return switches.get(service);
    },
    async closeAll(): Promise<void> {
      for (const pending of switches.values()) {
        const sw = await pending.catch(() => null);
        await sw?.close();
      }
      switches.clear();
    },
  };
}
export type SwitchRegistry = ReturnType<typeof createSwitchRegistry>;
