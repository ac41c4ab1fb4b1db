import type { LoadedConfig } from '../../config/load.js';
import type { ServiceConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import type { Driver } from '../../core/ports/driver.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import { createLocalDriver } from '../../drivers/local/index.js';
import type { LocalDriver, LocalServiceOptions } from '../../drivers/local/index.js';
import { createHealthProbe, createProbeSignalSource } from '../../monitor/probes/index.js';
import type { AppContext } from '../context.js';
import type { ControllerOptions } from '../controller.js';
import { injectedEnv } from '../drill/fault-injection.js';
import { releaseFlagEnv } from '../ops/flags.js';
import { restoreLiveReleases } from './restore.js';
import { createLocalSignalSource } from './signals.js';
import { createSwitchRegistry } from './switches.js';

function serviceOptions(config: ServiceConfig): LocalServiceOptions | undefined {
  const d = config.driver;
  if (d.type !== 'local') return undefined;
  return {
    command: d.command,
    cwd: d.cwd,
    env: d.env,
    portEnv: d.portEnv,
    instances: d.instances,
    listen: d.listen,
    stopTimeoutMs: parseDuration(d.stopTimeout),
    configFiles: d.configFiles,
    ...(d.git ? { git: { repo: d.git.repo, ...(d.git.build ? { build: d.git.build } : {}) } } : {}),
    health: {
      live: config.health.live ?? null,
      ready: config.health.ready ?? null,
      intervalMs: parseDuration(config.health.interval),
      timeoutMs: parseDuration(config.health.timeout),
      failureThreshold: config.health.failureThreshold,
    },
  };
}

/**
 * The embedded default on one host: the local driver behind Rewind's own
 * traffic switches. Only `rewind serve` (a long-lived owner) builds it.
 */
export function localRuntime(loaded: LoadedConfig): Pick<ControllerOptions, 'driverFactories' | 'services'> {
  const switches = createSwitchRegistry(loaded);
  const resolved = new Map<string, TrafficSwitch>();
  let driver: LocalDriver | null = null;
  const shared = (ctx: AppContext): LocalDriver => {
    driver ??= createLocalDriver({
      stateDir: ctx.loaded.stateDir,
      baseDir: ctx.loaded.baseDir,
      passEnv: loaded.config.controller.passEnv,
      services: (service, environment) => {
        const config = loaded.config.services[service];
        const options = config ? serviceOptions(config) : undefined;
        // a drill's fault (FAULT=…) reaches only the release it is starting
        return options && { ...options, env: injectedEnv(ctx, service, environment, options.env) };
      },
      switchFor: async (service) => {
        const sw = await switches.switchFor(service);
        resolved.set(service, sw);
        return sw;
      },
      createProbe: createHealthProbe,
      // a flag turned off stays off when the release's instances start afresh
      releaseEnv: (release) => releaseFlagEnv(ctx, release),
      clock: ctx.clock,
    });
    return driver;
  };
  const hasLocal = Object.values(loaded.config.services).some((s) => s.driver.type === 'local');
  return {
    driverFactories: {
      local: (service, _config, ctx): Driver => {
        const local = shared(ctx);
        const probes = createProbeSignalSource({ lookup: local.snapshot });
        const source = createLocalSignalSource(() => resolved.get(service) ?? null, probes);
        // one driver object per service, sharing the processes' supervisor
        return Object.assign(Object.create(local) as LocalDriver, {
          signals: () => source,
          close: async () => undefined,
        });
      },
    },
    services: hasLocal
      ? [
          async (ctx) => {
            // open every front door now, then bring back what was live before a restart
            for (const [name, config] of Object.entries(loaded.config.services)) {
              if (config.driver.type === 'local') resolved.set(name, await switches.switchFor(name));
            }
            await restoreLiveReleases(ctx);
            return async () => {
              await driver?.close();
              await switches.closeAll();
            };
          },
        ]
      : [],
  };
}
