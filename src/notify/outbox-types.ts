/** What `createOutboxDispatcher` takes and gives (see outbox-dispatcher.ts). */
import type { Clock } from '../core/clock.js';
import type { RewindEvent } from '../core/model.js';
import type { Notifier } from '../core/ports/notifier.js';
import type { Store } from '../core/ports/store.js';
import type { BackoffOptions } from './outbox-backoff.js';
import type { EventLoader } from './outbox-events.js';
import type { NotificationRoute } from './routing.js';
import type { MessageTemplates } from './templates.js';

/** Options of `createOutboxDispatcher`. */
export interface OutboxDispatcherOptions {
  /** the outbox lives in the store: rows survive restarts */
  store: Store;
  /** the channels; a notifier's `name` is the channel name routes use */
  notifiers: readonly Notifier[];
  routes: readonly NotificationRoute[];
  /** default the system clock */
  clock?: Clock;
  /** message template overrides (see templates.ts) */
  templates?: MessageTemplates;
  /** how often due rows are looked for when nothing wakes the loop; default 1 000 ms */
  pollMs?: number;
  /** rows read per pass; default 100 */
  batchSize?: number;
  /** real delivery tries before a row is `dead`; default 8 */
  maxAttempts?: number;
  /** retry delays; default 1 s doubling up to 5 min */
  backoff?: BackoffOptions;
  /** the longest one `send` may take; default 30 000 ms */
  sendTimeoutMs?: number;
  /** how long `stop()` lets deliveries in flight finish before aborting them; default 5 000 ms */
  stopGraceMs?: number;
  /** how a row's event is read back after a restart; default via `store.listEvents` */
  loadEvent?: EventLoader;
  /** receives what happened; default silent (the outbox row holds the last error) */
  log?: (entry: { level: 'info' | 'warn' | 'error'; message: string; channel?: string; eventId?: number }) => void;
}

export interface OutboxDispatcher {
  /** routes the event and writes one outbox row per channel; never throws, never sends */
  onEvent(event: RewindEvent): Promise<number>;
  /** starts the background loop; calling it again does nothing */
  start(): void;
  /**
   * stops taking rows, lets deliveries in flight finish for `stopGraceMs`, then
   * aborts the rest (their rows stay pending and go out after a restart); idempotent
   */
  stop(): Promise<void>;
  /** rows still pending */
  backlog(): Promise<number>;
}
