import type { LoadedConfig } from '../config/load.js';
import type { ServiceConfig } from '../config/schema/index.js';
import type { Clock } from '../core/clock.js';
import { UserError } from '../core/errors.js';
import type { StepHandler } from '../core/executor.js';
import type { NewEvent, RewindEvent, StepName } from '../core/model.js';
import type { Driver } from '../core/ports/driver.js';
import type { ProcessRunner } from '../core/ports/process.js';
import type { SignalSource } from '../core/ports/signal-source.js';
import type { Store } from '../core/ports/store.js';
import type { Redactor } from '../core/redact.js';
import type { AppAdapters } from './adapters.js';

/** Who asked: from `--as`, an API token later (auth lands in the next wave). */
export interface Actor {
  name: string;
}

export type EventListener = (event: RewindEvent) => void;

/**
 * Everything a use case needs, built once by compose.ts. Use cases receive the
 * context and their own arguments; nothing else is passed through layers.
 */
export interface AppContext {
  loaded: LoadedConfig;
  store: Store;
  clock: Clock;
  redact: Redactor;
  /** runs hooks and stops what a crashed attempt left running (the one process runner) */
  processes: ProcessRunner;
  /** databases, derived signals and notification delivery, built from config on demand */
  adapters: AppAdapters;
  /** the driver of each service */
  driver(service: string): Driver;
  /** where signals of a service come from: the driver's own, then config providers */
  signalSources(service: string, environment: string): SignalSource[];
  /** appends to the event log and tells listeners (outbox, SSE, progress) */
  emit(event: NewEvent): Promise<RewindEvent>;
  onEvent(listener: EventListener): () => void;
  /** true inside `rewind serve`: a long-lived owner of processes */
  owner: boolean;
  /** more step handlers (database, smoke, monitored watch), later ones win */
  extraHandlers: ((ctx: AppContext) => Partial<Record<StepName, StepHandler>>)[];
  /** resources to release on close, unwound in reverse */
  cleanup: (() => Promise<void> | void)[];
  /**
   * The same context writing through `store` for its whole life: events, traffic
   * fences and adapters included. A leader's term runs on such a view of its
   * fenced store, so work that outlives the term never writes under another token.
   */
  withStore(store: Store): AppContext;
  /** the same object in every view of one context: what process-wide caches are kept by */
  readonly root: object;
}

export function serviceConfig(ctx: AppContext, service: string): ServiceConfig {
  return declaredService(ctx.loaded, service);
}

/** The environment to act on: the one asked for, or the only/first declared one. */
export function resolveEnvironment(ctx: AppContext, service: string, environment?: string): string {
  return targetEnvironment(ctx.loaded, service, environment);
}

/** A service of the config, or a usage error naming the ones it declares. */
export function declaredService(loaded: LoadedConfig, service: string): ServiceConfig {
  const config = loaded.config.services[service];
  if (!config) {
    const known = Object.keys(loaded.config.services).join(', ') || 'none';
    // a service name the config does not declare is a usage mistake (exit 2), like an unknown environment
    throw new UserError('NOT_FOUND', `service "${service}" not found — ${loaded.file} declares: ${known}`, {
      status: 404,
      exitCode: 2,
    });
  }
  return config;
}

/**
 * The environment a command about `service` acts on, checked against the config:
 * the CLI calls it before it says anything, so a mistyped name is one usage error.
 */
export function targetEnvironment(loaded: LoadedConfig, service: string, environment?: string): string {
  const declared = Object.keys(loaded.config.environments);
  const allowed = declaredService(loaded, service).environments ?? declared;
  const env = environment ?? allowed[0];
  if (!env || !declared.includes(env)) {
    throw new UserError(
      'UNKNOWN_ENVIRONMENT',
      `unknown environment "${environment}" (declared: ${declared.join(', ') || 'none'})`,
      { status: 400, exitCode: 2 },
    );
  }
  if (!allowed.includes(env)) {
    throw new UserError(
      'UNKNOWN_ENVIRONMENT',
      `service "${service}" is not deployed to "${env}" (its environments: ${allowed.join(', ')})`,
      { status: 400, exitCode: 2 },
    );
  }
  return env;
}
