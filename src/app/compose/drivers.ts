import { resolve } from 'node:path';
import type { ServiceConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Fence } from '../../core/model.js';
import type { Driver } from '../../core/ports/driver.js';
import { createCommandDriver } from '../../drivers/command/index.js';
import { createHelmDriver } from '../../drivers/helm/index.js';
import { createKubernetesDriver } from '../../drivers/kubernetes/index.js';
import type { AppContext } from '../context.js';

/** Drivers the runtime adds by `driver.type` of the config, e.g. the local driver that needs the controller's switches. */
export type DriverFactories = Record<string, (service: string, config: ServiceConfig, ctx: AppContext) => Driver>;

/** The driver of one service, from its `driver` config. */
export function buildDriver(
  service: string,
  config: ServiceConfig,
  ctx: AppContext,
  factories: DriverFactories,
): Driver {
  const driver = config.driver;
  if (driver.type === 'command') {
    return createCommandDriver({
      start: driver.start,
      shiftTraffic: driver.shiftTraffic,
      retire: driver.retire,
      ...(driver.describe ? { describe: driver.describe } : {}),
      ...(driver.undo ? { undo: driver.undo } : {}),
      ...(driver.logs ? { logs: driver.logs } : {}),
      cwd: resolve(ctx.loaded.baseDir, driver.cwd),
      env: driver.env,
      passEnv: ctx.loaded.config.controller.passEnv,
      timeoutMs: parseDuration(driver.timeout),
      redact: ctx.redact,
      runner: ctx.processes,
    });
  }
  if (driver.type === 'kubernetes') {
    const strategy = config.strategy;
    return createKubernetesDriver({
      connection: {
        ...(driver.kubeconfig ? { kubeconfig: resolve(ctx.loaded.baseDir, driver.kubeconfig) } : {}),
        ...(driver.context ? { context: driver.context } : {}),
      },
      namespace: driver.namespace,
      strategy,
      deployment: driver.deployment ?? service,
      canaryDeployment: driver.canaryDeployment ?? `${driver.deployment ?? service}-canary`,
      ...(driver.router ? { router: driver.router } : {}),
      service: driver.service ?? service,
      colorLabel: driver.colorLabel,
      colors: driver.colors,
      ...(driver.container ? { container: driver.container } : {}),
      image: driver.image,
      ...(driver.replicas ? { replicas: driver.replicas } : {}),
      timeoutMs: parseDuration(driver.timeout),
    });
  }
  if (driver.type === 'helm') {
    const chart = driver.chart.startsWith('.') ? resolve(ctx.loaded.baseDir, driver.chart) : driver.chart;
    return createHelmDriver({
      runner: ctx.processes,
      binary: driver.helm,
      namespace: driver.namespace,
      ...(driver.kubeconfig ? { kubeconfig: resolve(ctx.loaded.baseDir, driver.kubeconfig) } : {}),
      ...(driver.context ? { context: driver.context } : {}),
      release: driver.release,
      chart,
      versionKey: driver.versionKey,
      set: driver.set,
      timeoutMs: parseDuration(driver.timeout),
    });
  }
  const factory = factories[driver.type];
  if (!factory) {
    throw new UserError(
      'NO_CONTROLLER',
      `service "${service}" uses the ${driver.type} driver, which needs a running controller — start one with: rewind serve`,
      {
        exitCode: ExitCode.failed,
        status: 409,
      },
    );
  }
  return factory(service, config, ctx);
}

/**
 * The driver as use cases get it: a traffic shift made while this controller
 * leads carries the lease it leads under, so a driver with `fencedTraffic`
 * refuses it once a newer leader has moved traffic.
 */
export function fencingTraffic(driver: Driver, fence: () => Fence | undefined): Driver {
  if (!driver.capabilities.fencedTraffic) return driver;
  return Object.assign(Object.create(driver) as Driver, {
    shiftTraffic: (...[service, environment, weights, releases, call = {}]: Parameters<Driver['shiftTraffic']>) => {
      const current = call.fence ?? fence();
      return driver.shiftTraffic(service, environment, weights, releases, current ? { ...call, fence: current } : call);
    },
  });
}
