import type { LoadedConfig } from '../../config/load.js';
import type { ServiceConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import type { Driver } from '../../core/ports/driver.js';
import { createLocalDriver } from '../../drivers/local/index.js';
import type { LocalDriver, LocalServiceOptions } from '../../drivers/local/index.js';
import { createHealthProbe, createProbeSignalSource } from '../../monitor/probes/index.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import type { AppContext } from '../context.js';
import { portRange } from '../../config/schema/primitives.js';
import { createLocalSignalSource, userKeyOf } from './local-signals.js';
import { createSwitchRegistry } from './switches.js';
import { frontDoorParts } from './front-door-parts.js';

function serviceOptions(config: ServiceConfig): LocalServiceOptions | undefined {
  const d = config.driver;
  if (d.type !== 'local') return undefined;
  return {
    command: d.command,
    cwd: d.cwd,
    env: d.env,
    portEnv: d.portEnv,
    ...(d.ports ? { ports: portRange(d.ports) ?? undefined } : {}),
    instances: d.instances,
    listen: d.listen,
    stopTimeoutMs: parseDuration(d.stopTimeout),
    configFiles: d.configFiles,
    ...(d.git
      ? { git: { repo: d.git.repo, revert: d.git.revert, ...(d.git.build ? { build: d.git.build } : {}) } }
      : {}),
    health: {
      live: config.health.live ?? null,
      ready: config.health.ready ?? null,
      intervalMs: parseDuration(config.health.interval),
      timeoutMs: parseDuration(config.health.timeout),
      failureThreshold: config.health.failureThreshold,
    },
  };
}

/** The local platform of one controller: its drivers' factory and what the runtime starts and stops. */
export interface LocalPlatform {
  /** one driver object per service, sharing the processes' supervisor */
  driver(service: string, ctx: AppContext): Driver;
  /** services of the config on the local driver */
  services: string[];
  /** opens the front door of a local service (once): adopts the running one or starts it */
  openFrontDoor(service: string, ctx: AppContext): Promise<void>;
  /** lets go of every instance and front door: they keep serving for the next controller to adopt */
  close(): Promise<void>;
}

/**
 * The embedded default on one host: the local driver behind Rewind's own
 * traffic switches, built here (the composition root) for `rewind serve`, the
 * one long-lived owner of the processes.
 */
export function composeLocalPlatform(loaded: LoadedConfig): LocalPlatform {
  let context: AppContext | null = null;
  // a front door adopted, started or restarted is part of the record (the restart's gap included)
  const switches = createSwitchRegistry(loaded, (service, kind, message, data) => {
    void context?.emit({ type: `front-door.${kind}`, service, message, data }).catch(() => undefined);
  });
  const resolved = new Map<string, TrafficSwitch>();
  let supervisor: LocalDriver | null = null;
  const shared = (ctx: AppContext): LocalDriver => {
    context = ctx;
    supervisor ??= createLocalDriver({
      stateDir: ctx.loaded.stateDir,
      baseDir: ctx.loaded.baseDir,
      passEnv: loaded.config.controller.passEnv,
      ...frontDoorParts(ctx, serviceOptions, switches, resolved),
      createProbe: createHealthProbe,
      clock: ctx.clock,
    });
    return supervisor;
  };
  return {
    driver(service, ctx) {
      const local = shared(ctx);
      const probes = createProbeSignalSource({ lookup: local.snapshot });
      const source = createLocalSignalSource(
        () => resolved.get(service) ?? null,
        probes,
        userKeyOf(loaded.config.services[service]?.users),
      );
      return Object.assign(Object.create(local) as LocalDriver, {
        signals: () => source,
        close: async () => undefined,
      });
    },
    services: Object.entries(loaded.config.services)
      .filter(([, config]) => config.driver.type === 'local')
      .map(([name]) => name),
    async openFrontDoor(service, ctx) {
      context = ctx;
      resolved.set(service, await switches.switchFor(service));
    },
    async close() {
      await supervisor?.close();
      await switches.closeAll();
    },
  };
}
