import type { LoadedConfig } from '../../config/load.js';
import { createTrafficSwitch } from '../../proxy/index.js';
import { createHaproxyRouter } from '../../proxy/haproxy/index.js';
import { canRunSwitchProcess, createRemoteSwitch, frontDoorPaths } from '../../proxy/front-door/index.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import { parseDuration } from '../../core/duration.js';
import { addressProblem, splitListen } from '../address-problem.js';
import { userCountingOf } from './user-counting.js';

/** What a front door reports for the controller's record: adopted, started, restarted (with its gap). */
export type FrontDoorNotice = (
  service: string,
  kind: 'adopted' | 'started' | 'restarted',
  message: string,
  data: Record<string, unknown>,
) => void;

/** A front door that outlives the controller can be let go of without stopping it. */
type Detachable = TrafficSwitch & { detach?: () => Promise<void> };

/**
 * One traffic switch per local or container service, listening on its `driver.listen` (the
 * service's front door): the built-in switch, or HAProxy with `driver.router:
 * haproxy`. Both run as processes of their own with their files under the state
 * dir, so a controller that stops leaves them serving and the next one adopts
 * them; from TypeScript sources (tests) the built-in switch runs in-process.
 * Created on first use; the runtime opens and detaches them.
 */
export function createSwitchRegistry(loaded: LoadedConfig, notice: FrontDoorNotice = () => undefined) {
  const switches = new Map<string, Promise<Detachable>>();
  const build = (service: string): Detachable => {
    const driver = loaded.config.services[service]?.driver;
    if (driver?.type !== 'local' && driver?.type !== 'container')
      throw new Error(`service ${service} has no front door of its own (local or container driver)`);
    const [host, port] = splitListen(driver.listen);
    const common = {
      host,
      port,
      upstreamTimeoutMs: parseDuration(driver.upstreamTimeout),
      trustForwardedFrom: driver.trustForwardedFrom,
      ...userCountingOf(loaded, service),
    };
    const paths = frontDoorPaths(loaded.stateDir, service);
    const onNotice = (kind: 'adopted' | 'started' | 'restarted', message: string, data: Record<string, unknown>) =>
      notice(service, kind, message, data);
    // Same interface either way: the driver, triggers and reports do not know which.
    if (driver.router === 'haproxy') return createHaproxyRouter({ ...common, service, paths, notice: onNotice });
    if (!canRunSwitchProcess()) return createTrafficSwitch(common);
    const { host: _h, port: _p, ...rest } = common;
    return createRemoteSwitch({ config: { service, host, port, options: rest, paths }, notice: onNotice });
  };
  return {
    switchFor(service: string): Promise<TrafficSwitch> {
      let existing = switches.get(service);
      if (!existing) {
        const driver = loaded.config.services[service]?.driver;
        const created = build(service);
        existing = created.listen().then(
          () => created,
          (error: unknown) => {
            switches.delete(service);
            throw addressProblem(
              error,
              `services.${service}.driver.listen`,
              driver?.type === 'local' || driver?.type === 'container' ? driver.listen : '',
              loaded.file,
            );
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
    /** lets go of every front door: those of their own process keep serving, in-process ones close */
    async closeAll(): Promise<void> {
      for (const pending of switches.values()) {
        const sw = await pending.catch(() => null);
        if (sw?.detach) await sw.detach();
        else await sw?.close();
      }
      switches.clear();
    },
  };
}
export type SwitchRegistry = ReturnType<typeof createSwitchRegistry>;
