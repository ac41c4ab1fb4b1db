import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { memoryBytes } from '../../config/schema/container.js';
import type { ServiceConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import type { Driver } from '../../core/ports/driver.js';
import { createContainerDriver, createEngine, engineSocket } from '../../drivers/container/index.js';
import type { ContainerDriver, ContainerServiceOptions } from '../../drivers/container/index.js';
import { createHealthProbe } from '../../monitor/probes/index.js';
import type { TrafficSwitch } from '../../proxy/types.js';
import type { AppContext } from '../context.js';
import { createLocalSignalSource, userKeyOf } from './local-signals.js';
import { createSwitchRegistry } from './switches.js';
import { frontDoorParts } from './front-door-parts.js';

function serviceOptions(config: ServiceConfig, name: string, baseDir: string): ContainerServiceOptions | undefined {
  const d = config.driver;
  if (d.type !== 'container') return undefined;
  const memory = d.memory ? memoryBytes(d.memory) : null;
  return {
    // the config loader filled it from the Compose service when rewind.yaml names none
    image: d.image ?? '',
    ...(d.command ? { command: d.command } : {}),
    env: d.env,
    port: d.port,
    instances: d.instances,
    pull: d.pull,
    volumes: d.volumes,
    configFiles: d.configFiles.map((f) => ({ path: f.file, source: resolve(baseDir, f.file), mountAt: f.mountAt })),
    ...(d.network ? { network: d.network } : {}),
    ...(d.cpus ? { cpus: d.cpus } : {}),
    ...(memory ? { memoryBytes: memory } : {}),
    labels: d.labels,
    // a Compose project's containers of this service, unless the config says which labels
    adoptLabels: d.adopt.labels ?? { 'com.docker.compose.service': d.compose?.service ?? name },
    keepStopped: d.keepStopped,
    listen: d.listen,
    stopTimeoutMs: parseDuration(d.stopTimeout),
    imageHealthcheck: d.imageHealthcheck,
    health: {
      live: config.health.live ?? null,
      ready: config.health.ready ?? null,
      intervalMs: parseDuration(config.health.interval),
      timeoutMs: parseDuration(config.health.timeout),
      failureThreshold: config.health.failureThreshold,
    },
  };
}

/** A release's own copies of its config files: `<stateDir>/releases/<service>-<env>-r<revision>/config`. */
export function configDir(stateDir: string, r: { service: string; environment: string; revision: number }): string {
  return join(stateDir, 'releases', `${r.service}-${r.environment}-r${r.revision}`, 'config');
}

/** The project label of every container: stable for a state dir, so a restarted controller finds its own. */
export function containerProject(stateDir: string): string {
  return `rewind-${createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 12)}`;
}

/** The container platform of one controller: one driver per engine socket, behind the services' front doors. */
export interface ContainerPlatform {
  driver(service: string, ctx: AppContext): Driver;
  services: string[];
  openFrontDoor(service: string): Promise<void>;
  /** stops watching (the containers and front doors of a crashed controller live on) */
  close(): Promise<void>;
}

export function composeContainerPlatform(loaded: LoadedConfig): ContainerPlatform {
  const switches = createSwitchRegistry(loaded);
  const resolved = new Map<string, TrafficSwitch>();
  const drivers = new Map<string, ContainerDriver>();
  const services = Object.entries(loaded.config.services)
    .filter(([, config]) => config.driver.type === 'container')
    .map(([name]) => name);
  const shared = (socket: string, ctx: AppContext): ContainerDriver => {
    let driver = drivers.get(socket);
    if (!driver) {
      driver = createContainerDriver({
        engine: createEngine(socket),
        project: containerProject(ctx.loaded.stateDir),
        ...frontDoorParts(ctx, (config, name) => serviceOptions(config, name, loaded.baseDir), switches, resolved),
        configDir: (r) => configDir(ctx.loaded.stateDir, r),
        createProbe: createHealthProbe,
        redact: ctx.redact,
        clock: ctx.clock,
      });
      drivers.set(socket, driver);
    }
    return driver;
  };
  return {
    services,
    driver(service, ctx) {
      const d = loaded.config.services[service]?.driver;
      const socket = engineSocket(d?.type === 'container' ? d.engine.socket : undefined);
      const driver = shared(socket, ctx);
      // the front door's per-release telemetry first, then what the engine says of the containers
      const source = createLocalSignalSource(
        () => resolved.get(service) ?? null,
        driver.engineSignals,
        userKeyOf(loaded.config.services[service]?.users),
      );
      return Object.assign(Object.create(driver) as ContainerDriver, {
        signals: () => source,
        close: async () => undefined,
      });
    },
    async openFrontDoor(service) {
      resolved.set(service, await switches.switchFor(service));
    },
    async close() {
      for (const driver of drivers.values()) await driver.close();
      await switches.closeAll();
    },
  };
}
