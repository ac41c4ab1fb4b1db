import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ServiceConfig } from '../config/schema/index.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, UserError } from '../core/errors.js';
import type { NewEvent, RewindEvent } from '../core/model.js';
import type { Driver } from '../core/ports/driver.js';
import type { SignalSource } from '../core/ports/signal-source.js';
import type { Store } from '../core/ports/store.js';
import { createHttpJsonSource } from '../monitor/providers/http-json.js';
import { createPrometheusSource } from '../monitor/providers/prometheus.js';
import { databaseStepHandlers } from './db/step-handlers.js';
import { collectSecrets, createRedactor, redactDeep } from '../core/redact.js';
import { redactingStore } from './redacting-store.js';
import { createCommandDriver } from '../drivers/command/index.js';
import { createPostgresStore } from '../store/postgres/index.js';
import { createHelmDriver } from '../drivers/helm/index.js';
import { createKubernetesDriver } from '../drivers/kubernetes/index.js';
import { createSqliteStore } from '../store/sqlite/index.js';
import type { AppContext, EventListener } from './context.js';
import { smokeStepHandlers } from './monitor/smoke-step.js';

export interface ComposeOptions {
  /** inside `rewind serve` (a long-lived owner of processes) */
  owner?: boolean;
  clock?: Clock;
  store?: Store;
  /** extra drivers by type, e.g. the local driver that needs the controller's switches */
  driverFactories?: Record<string, (service: string, config: ServiceConfig, ctx: AppContext) => Driver>;
}

/**
 * The one composition root (DESIGN.md): builds the store, drivers, redactor and
 * event fan-out from config. Adapters never import each other; they meet here.
 */
export function composeContext(loaded: LoadedConfig, options: ComposeOptions = {}): AppContext {
  // values under secret-looking keys, passwords in URLs and every value taken from the environment
  const redact = createRedactor([...collectSecrets(loaded.config), ...loaded.interpolated]);
  const store = redactingStore(options.store ?? openStore(loaded), redact);
  const clock = options.clock ?? systemClock;
  const listeners = new Set<EventListener>();
  const drivers = new Map<string, Driver>();
  const providers = buildProviders(loaded);

  const ctx: AppContext = {
    loaded,
    store,
    clock,
    redact,
    owner: options.owner ?? false,
    extraHandlers: [smokeStepHandlers],
    cleanup: [],
    driver(service) {
      const existing = drivers.get(service);
      if (existing) return existing;
      const config = loaded.config.services[service];
      if (!config) throw new UserError('NOT_FOUND', `service "${service}" not found`, { status: 404 });
      const driver = buildDriver(service, config, ctx, options.driverFactories ?? {});
      drivers.set(service, driver);
      return driver;
    },
    signalSources(service, environment) {
      const own = ctx.driver(service).signals?.(service, environment);
      return [...(own ? [own] : []), ...providers];
    },
    async emit(event: NewEvent): Promise<RewindEvent> {
      // ctx.store, not the store built here: a leader swaps in its fenced view
      const saved = await ctx.store.appendEvent(
        { ...event, message: redact(event.message ?? ''), data: redactDeep(event.data ?? {}, redact) },
        clock.now(),
      );
      for (const listener of listeners) {
        try {
          listener(saved);
        } catch {
          // a listener never breaks the caller (notifications must not slow a rollback)
        }
      }
      return saved;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  ctx.extraHandlers.push(databaseStepHandlers);
  ctx.cleanup.push(async () => {
    for (const driver of drivers.values()) await driver.close?.();
  });
  if (!options.store) ctx.cleanup.push(() => store.close());
  return ctx;
}

export function openStore(loaded: LoadedConfig): Store {
  const { store } = loaded.config.controller;
  if (store.type === 'postgres') {
    if (!store.url)
      throw new UserError('BAD_CONFIG', `${loaded.file}: controller.store.url: expected a postgres:// URL`, {
        exitCode: ExitCode.usage,
      });
    return createPostgresStore({ url: store.url, ...(store.schema ? { schema: store.schema } : {}) });
  }
  return createSqliteStore({ path: join(loaded.stateDir, 'state.db') });
}

function buildDriver(
  service: string,
  config: ServiceConfig,
  ctx: AppContext,
  factories: NonNullable<ComposeOptions['driverFactories']>,
): Driver {
  const driver = config.driver;
  if (driver.type === 'command') {
    return createCommandDriver({
      start: driver.start,
      shiftTraffic: driver.shiftTraffic,
      retire: driver.retire,
      ...(driver.describe ? { describe: driver.describe } : {}),
      ...(driver.undo ? { undo: driver.undo } : {}),
      cwd: resolve(ctx.loaded.baseDir, driver.cwd),
      env: driver.env,
      passEnv: ctx.loaded.config.controller.passEnv,
      timeoutMs: parseDuration(driver.timeout),
      redact: ctx.redact,
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

/** Metric providers from config; secrets stay inside the sources. */
function buildProviders(loaded: LoadedConfig): SignalSource[] {
  return loaded.config.providers.flatMap((provider): SignalSource[] => {
    const timeoutMs = parseDuration(provider.timeout);
    if (provider.type === 'prometheus') {
      const auth = provider.bearerToken
        ? { bearer: provider.bearerToken }
        : provider.username
          ? { username: provider.username, password: provider.password ?? '' }
          : undefined;
      return [
        createPrometheusSource({
          name: provider.name,
          url: provider.url,
          queries: provider.queries,
          timeoutMs,
          ...(auth ? { auth } : {}),
        }),
      ];
    }
    // one HTTP JSON source per metric: each has its own URL template and path
    return Object.entries(provider.queries).map(([metric, query]) =>
      createHttpJsonSource({
        name: provider.name,
        url: query.url,
        path: query.path,
        metrics: [metric],
        timeoutMs,
        headers: provider.headers,
      }),
    );
  });
}

/** Unwinds the cleanup stack in reverse; safe to call twice. */
export async function closeContext(ctx: AppContext): Promise<void> {
  while (ctx.cleanup.length > 0) {
    const step = ctx.cleanup.pop();
    try {
      await step?.();
    } catch {
      // keep unwinding: one failing cleanup must not leak the rest
    }
  }
}
