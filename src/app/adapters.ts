import type { RewindEvent } from '../core/model.js';
import type { BackupStore } from '../core/ports/backup-store.js';
import type { DatabaseAdapter } from '../core/ports/database.js';
import type { DnsProvider } from '../core/ports/dns.js';
import type { SignalSource } from '../core/ports/signal-source.js';

/** Notification delivery as the use cases see it: events in, sending in its own loop. */
export interface EventOutbox {
  /** routes the event and queues one row per channel; never sends, never throws */
  onEvent(event: RewindEvent): Promise<unknown>;
  start(): void;
  /** lets deliveries in flight finish, then stops; idempotent */
  stop(): Promise<void>;
}

/** Options of {@link AppAdapters.outbox}. */
export interface OutboxOptions {
  /** how often the outbox looks for due rows when nothing wakes it; default the dispatcher's 1 s */
  pollMs?: number;
  /** how long one send may take; default the dispatcher's 30 s */
  sendTimeoutMs?: number;
}

/** A signal source the caller closes when it is done with it. */
export type ClosableSource = SignalSource & { close(): Promise<void> };

/**
 * Adapters the use cases ask for by config key, built by the composition root
 * (compose.ts) from that key's config: a use case never names an engine,
 * a notifier or a driver type.
 */
export interface AppAdapters {
  /**
   * The adapter of `databases.<name>`: its engine, with the migration tool of its
   * config; `migrationsDir` is where SQL migrations are read. The caller closes it.
   */
  database(name: string, migrationsDir: string): DatabaseAdapter;
  /** `databases.<name>.backups.store`: where copies of its backups go off the host; null: the local dir only */
  backupStore?(name: string): BackupStore | null;
  /** the connection-use signal (`dbConnectionsPercent`) of `databases.<name>` */
  dbConnections(name: string): ClosableSource;
  /** delivery to `notifications.channels`; null when none is configured */
  outbox(options?: OutboxOptions): EventOutbox | null;
  /** the provider of `dns[].name`, for site failover */
  dns(name: string): DnsProvider;
}
