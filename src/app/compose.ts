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

  const processes = options.processes ?? createProcessRunner();
  const cleanup: AppContext['cleanup'] = [];
  const root = {};

  // One context per store it writes through: the app's own, and one per leader term
  // (its fenced view) that its work keeps for its whole life, even after the term ended.
  const view = (viewStore: Store, extraHandlers: AppContext['extraHandlers']): AppContext => {
    const fenced = new Map<string, Driver>();
    const ctx: AppContext = {
      loaded,
      store: viewStore,
      clock,
      redact,
      processes,
      adapters: appAdapters(() => ctx),
      owner: options.owner ?? false,
      // a view starts with the handlers of the one it was made from; what a term adds stays its own
      extraHandlers: [...extraHandlers],
      cleanup,
      root,
      withStore: (other) => view(other, ctx.extraHandlers),
      driver(service) {
        const existing = fenced.get(service);
        if (existing) return existing;
        let driver = drivers.get(service);
        if (!driver) {
          const config = loaded.config.services[service];
          if (!config) throw new UserError('NOT_FOUND', `service "${service}" not found`, { status: 404 });
          driver = buildDriver(service, config, ctx, options.driverFactories ?? {});
          drivers.set(service, driver);
        }
        // ctx.store as it is when the traffic moves: `holdLeaseForCli` fences the CLI's own context
        const own = fencingTraffic(driver, () => ctx.store.fence);
        fenced.set(service, own);
        return own;
      },
      signalSources(service, environment) {
        const own = ctx.driver(service).signals?.(service, environment);
        return [...(own ? [own] : []), ...providers];
      },
      async emit(event: NewEvent): Promise<RewindEvent> {
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
    return ctx;
  };
  const ctx = view(store, [smokeStepHandlers, databaseStepHandlers, siteStepHandlers]);
  cleanup.push(async () => {
    for (const driver of drivers.values()) await driver.close?.();
  });
  if (!options.store) cleanup.push(() => store.close());
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
