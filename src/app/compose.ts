import type { LoadedConfig } from '../config/load.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import type { NewEvent, RewindEvent } from '../core/model.js';
import type { Driver } from '../core/ports/driver.js';
import type { ProcessRunner } from '../core/ports/process.js';
import type { Store } from '../core/ports/store.js';
import { collectSecrets, createRedactor, redactDeep } from '../core/redact.js';
import { createProcessRunner } from '../process/index.js';
import { appAdapters } from './compose/adapters.js';
import type { DriverFactories } from './compose/drivers.js';
import { buildDriver, fencingTraffic } from './compose/drivers.js';
import { buildProviders } from './compose/providers.js';
import { openStore } from './compose/store.js';
import type { AppContext, EventListener } from './context.js';
import { databaseStepHandlers } from './db/step-handlers.js';
import { siteStepHandlers } from './sites/step-handlers.js';
import { smokeStepHandlers } from './monitor/smoke-step.js';
import { redactingStore } from './redacting-store.js';

export { openStore } from './compose/store.js';
export type { DriverFactories } from './compose/drivers.js';

export interface ComposeOptions {
  /** inside `rewind serve` (a long-lived owner of processes) */
  owner?: boolean;
  clock?: Clock;
  store?: Store;
  /** the process runner; default the one of process/ */
  processes?: ProcessRunner;
  /** extra drivers by `driver.type`, e.g. the local driver that needs the controller's switches */
  driverFactories?: DriverFactories;
}

/**
 * The one composition root (DESIGN.md): builds the store, drivers, process
 * runner, database and notification adapters, redactor and event fan-out from
 * config (the builders are in compose/). Adapters never import each other; they
 * meet here.
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
    processes: options.processes ?? createProcessRunner(),
    adapters: appAdapters(() => ctx),
    owner: options.owner ?? false,
    extraHandlers: [smokeStepHandlers],
    cleanup: [],
    driver(service) {
      const existing = drivers.get(service);
      if (existing) return existing;
      const config = loaded.config.services[service];
      if (!config) throw new UserError('NOT_FOUND', `service "${service}" not found`, { status: 404 });
      const driver = fencingTraffic(
        buildDriver(service, config, ctx, options.driverFactories ?? {}),
        () => ctx.store.fence,
      );
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
  ctx.extraHandlers.push(databaseStepHandlers, siteStepHandlers);
  ctx.cleanup.push(async () => {
    for (const driver of drivers.values()) await driver.close?.();
  });
  if (!options.store) ctx.cleanup.push(() => store.close());
  return ctx;
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
